"""Builds the Scrapyd egg: ``scrapyd-deploy`` runs ``python setup.py bdist_egg``.

Everything is declared in pyproject.toml: the packages, their data files and the
``scrapy`` entry point that tells Scrapyd the settings module.
"""

from setuptools import setup

setup()
