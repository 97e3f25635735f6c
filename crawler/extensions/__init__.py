"""Scrapy extensions: resumable job directories, a shared Redis frontier."""
