"""One Typer app per command group; ``lantian.cli`` composes them."""
