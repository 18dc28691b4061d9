from promise_audit.cli import app

app(prog_name="promise-audit")
