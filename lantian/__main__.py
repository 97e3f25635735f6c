from lantian.cli import main

main()
