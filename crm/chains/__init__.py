from flask import Blueprint

bp = Blueprint("chains", __name__)
