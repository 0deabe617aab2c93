"""Locale and timezone selection: the bureau works in Chinese, in Beijing time."""

from flask import current_app


def select_locale() -> str:
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["TIMEZONE"]
