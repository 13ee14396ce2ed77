from agora_okta.cli import run

run()
