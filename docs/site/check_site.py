# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check a site built by scripts/docs.sh against the collection it was built from.

    python check_site.py COLLECTION_DIR HTML_DIR

Every plugin file present (plugins/modules, plugins/lookup, plugins/callback and the other
plugin types that get a page) and every role must have its page, reachable from the
collection index, with an Examples section holding code; the guides must be there too.
Exits 1 and lists what is missing.
"""

import os
import re
import sys

# plugins/<dir> -> page suffix; directories without pages of their own are skipped.
PLUGIN_DIRS = {'modules': 'module', 'lookup': 'lookup', 'callback': 'callback', 'inventory': 'inventory',
               'filter': 'filter', 'test': 'test', 'connection': 'connection', 'become': 'become',
               'cache': 'cache', 'vars': 'vars', 'strategy': 'strategy', 'shell': 'shell', 'httpapi': 'httpapi'}
GUIDES = ('getting-started', 'module_defaults', 'awx/README', 'security', 'performance')
EXAMPLES = re.compile(r'<section id="examples[^"]*">(.*?)</section>', re.S)


def expected_pages(collection):
    pages = []
    for directory, kind in sorted(PLUGIN_DIRS.items()):
        path = os.path.join(collection, 'plugins', directory)
        if not os.path.isdir(path):
            continue
        for name in sorted(os.listdir(path)):
            if name.endswith('.py') and name != '__init__.py':
                pages.append((kind, name[:-3]))
    roles = os.path.join(collection, 'roles')
    if os.path.isdir(roles):
        pages += [('role', name) for name in sorted(os.listdir(roles))
                  if os.path.isdir(os.path.join(roles, name, 'tasks'))]
    return pages


def main(collection, html):
    problems, counts = [], {}
    with open(os.path.join(html, 'collection', 'index.html')) as handle:
        index = handle.read()
    for kind, name in expected_pages(collection):
        page = '%s_%s.html' % (name, kind)
        counts[kind] = counts.get(kind, 0) + 1
        path = os.path.join(html, 'collection', page)
        if not os.path.isfile(path):
            problems.append('%s %s: no page (%s)' % (kind, name, page))
            continue
        if 'href="%s"' % page not in index and 'href="%s#' % page not in index:
            problems.append('%s %s: not linked from the collection index' % (kind, name))
        with open(path) as handle:
            text = handle.read()
        if not any('class="highlight' in section for section in EXAMPLES.findall(text)):
            where = 'meta/argument_specs.yml (examples: of the entry point)' if kind == 'role' else 'EXAMPLES'
            problems.append('%s %s: no Examples section with code on its page; add %s' % (kind, name, where))
    with open(os.path.join(html, 'index.html')) as handle:
        top = handle.read()
    for guide in GUIDES:
        if not os.path.isfile(os.path.join(html, 'guides', guide + '.html')):
            problems.append('guide %s: no page' % guide)
        elif 'href="guides/%s.html"' % guide not in top:
            problems.append('guide %s: not linked from the start page' % guide)
    summary = ', '.join('%d %s' % (n, k) for k, n in sorted(counts.items()))
    for problem in problems:
        print('docs: ' + problem)
    print('docs site: %s pages and %d guides checked; %d problems' % (summary, len(GUIDES), len(problems)))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(*sys.argv[1:3]))
