"""Grep an ansible-playbook -vvvv log for secrets.

check_secrets.py LOG SESSION_TOKEN_FILE --secret S [--secret S...] --allowed-task NAME [...]
Fails if any secret (or its base64 form) appears anywhere, or if the session token appears in
a task block whose title names none of the allowed tasks.
"""
import argparse
import base64
import re
import sys

parser = argparse.ArgumentParser()
parser.add_argument('log')
parser.add_argument('token_file')
parser.add_argument('--secret', action='append', default=[])
parser.add_argument('--allowed-task', action='append', default=[])
args = parser.parse_args()

text = open(args.log, encoding='utf-8', errors='replace').read()
token = open(args.token_file).read().strip()
problems = []
assert len(token) >= 16, 'no session token to look for'
assert 'TASK [' in text and len(text) > 10000, 'the log is not a -vvvv playbook run'

for secret in args.secret:
    forms = {secret, base64.b64encode(secret.encode()).decode().rstrip('=')}
    for user in ('itsm', 'tech'):
        forms.add(base64.b64encode(('%s:%s' % (user, secret)).encode()).decode().rstrip('='))
    for form in forms:
        if form in text:
            problems.append('a secret appears in the output (%d times)' % text.count(form))

blocks = re.split(r'\n(?=TASK \[)', text)
seen = []
for block in blocks:
    if token in block:
        title = block.splitlines()[0]
        seen.append(title)
        if not any(name in title for name in args.allowed_task):
            problems.append('the session token appears in: %s' % title[:120])
if not seen:
    problems.append('the session token was not returned by the task that opened it')

if problems:
    print('\n'.join(problems))
    sys.exit(1)
print('no secret in %d bytes of -vvvv output; session token only in: %s' % (len(text), '; '.join(seen)))
