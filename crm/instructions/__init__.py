from flask import Blueprint

bp = Blueprint("instructions", __name__)
