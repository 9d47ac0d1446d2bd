"""The ceiling: the barest Flask app, served the same way as Twofold in the load test."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "ok"
