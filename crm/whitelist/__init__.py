from flask import Blueprint

bp = Blueprint("whitelist", __name__)
