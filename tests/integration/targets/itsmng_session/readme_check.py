#!/usr/bin/env python
"""Write the README's example playbook (the YAML block under "## Example"), pointed at the emulator.

readme_check.py README.md API_URL OUT.yml
"""

import re
import sys

readme, api, out = sys.argv[1:4]
text = open(readme, encoding='utf-8').read()
section = text.split('\n## Example', 1)[1]
block = re.search(r'```yaml\n(.*?)```', section, re.S).group(1)
urls = set(re.findall(r'https://itsm\.example\.com/apirest\.php', block))
if not urls:
    sys.exit('the README example has no ITSM-NG url to point at the emulator')
with open(out, 'w', encoding='utf-8') as handle:
    handle.write(block.replace('https://itsm.example.com/apirest.php', api))
