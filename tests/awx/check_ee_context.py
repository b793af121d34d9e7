# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check the build context `ansible-builder create` wrote for docs/awx/execution-environment.yml.

    python check_ee_context.py CONTEXT_DIR WORK_DIR

The image build installs the collection (galaxy stage), then runs the context's own
_build/scripts/introspect.py over the installed collections and pip-installs what it writes.
No container engine here: this runs that same script over the collection installed from the
same tarball, and checks the requirements it writes hold requests and jmespath.
"""

import json
import os
import re
import subprocess
import sys
import tarfile

import yaml

WANTED = ('requests', 'jmespath')


def fail(message):
    print('ee context: ' + message)
    sys.exit(1)


def names(lines):
    return {re.split(r'[<>=!~;\[ ]', line.strip(), maxsplit=1)[0].lower() for line in lines
            if line.strip() and not line.startswith('#')}


def main(context, work):
    containerfile = os.path.join(context, 'Containerfile')
    if not os.path.isfile(containerfile):
        fail('no Containerfile in %s' % context)
    with open(containerfile) as handle:
        text = handle.read()
    for needle in ('ansible-galaxy collection install', 'introspect.py introspect', 'assemble',
                   'ansible-core', 'ansible-runner'):
        if needle not in text:
            fail('the Containerfile has no %r' % needle)

    # The collection goes in from the tarball, and the tarball carries its dependency files.
    with open(os.path.join(context, '_build', 'requirements.yml')) as handle:
        galaxy = yaml.safe_load(handle)
    (entry,) = galaxy['collections']
    tarball = os.path.join(context, '_build', entry['name'])
    if entry.get('type') != 'file' or not os.path.isfile(tarball):
        fail('requirements.yml names %r, which is not a file in the context' % entry)
    with tarfile.open(tarball) as archive:
        manifest = json.load(archive.extractfile('MANIFEST.json'))['collection_info']
        meta = yaml.safe_load(archive.extractfile('meta/execution-environment.yml'))
        python_file = meta['dependencies']['python']
        declared = archive.extractfile(python_file).read().decode().splitlines()
    if (manifest['namespace'], manifest['name']) != ('apiauth', 'sessions'):
        fail('the tarball holds %(namespace)s.%(name)s' % manifest)
    missing = set(WANTED) - names(declared)
    if missing:
        fail('%s in the collection names no %s' % (python_file, sorted(missing)))

    # What the builder stage does next: introspect the installed collections.
    collections = os.path.join(work, 'collections')
    subprocess.check_call([os.path.join(os.path.dirname(sys.executable), 'ansible-galaxy'), 'collection',
                           'install', '--offline', '-p', collections, tarball], stdout=subprocess.DEVNULL,
                          env=dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections))
    written = os.path.join(work, 'requirements.txt')
    subprocess.check_call([sys.executable, os.path.join(context, '_build', 'scripts', 'introspect.py'),
                           'introspect', collections, '--write-pip', written], stdout=subprocess.DEVNULL)
    with open(written) as handle:
        lines = handle.read().splitlines()
    missing = set(WANTED) - names(lines)
    if missing:
        fail('introspection wrote no %s (got %r)' % (sorted(missing), lines))
    sources = [line for line in lines if any(line.lower().startswith(w) for w in WANTED)]
    print('ee context: ok: %s %s; the image build would pip-install: %s'
          % (manifest['namespace'], manifest['version'], '; '.join(sources)))


if __name__ == '__main__':
    main(*sys.argv[1:3])
