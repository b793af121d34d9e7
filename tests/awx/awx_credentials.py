# Copyright: (c) 2026, apiauth.sessions contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The credential types of docs/awx/, loaded, validated and rendered the way AWX does.

AWX (awx_plugins.interfaces injectors, CredentialTypeInjectorField) behaves like this, and so
does render() below:
- the namespace holds every input that is set and not empty; an unset text field is absent,
  so ``{{ field }}`` renders as an empty string, and the env var is still set (to "");
- an unset boolean field is False (whatever its ``default`` says);
- each ``injectors.file`` template is written to a 0600 file under <private_data_dir>/env and
  ``tower.filename`` names it (single ``template`` key);
- env templates render in an ImmutableSandboxedEnvironment; a safe copy of the env (what AWX
  stores and shows as the job's environment) renders secrets as ``**********``.
validate() applies AWX's checks on save: templates reference only defined fields (StrictUndefined),
``tower.filename`` only with a file template, no reserved env var name.
"""

import os
import re
import stat
import tempfile

import yaml
from jinja2 import StrictUndefined, meta
from jinja2.exceptions import TemplateSyntaxError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment

HERE = os.path.dirname(os.path.abspath(__file__))
COLLECTION = os.path.dirname(os.path.dirname(HERE))
TYPES_DIR = os.path.join(COLLECTION, 'docs', 'awx', 'credential_types')
SYSTEMS = ('itsmng', 'bluecat', 'saymon', 'ipcortex')
HIDDEN = '*' * 10
FIELD_TYPES = ('string', 'boolean')
# AWX refuses these names in env injectors (ENV_BLOCKLIST) and reserves the ANSIBLE_ prefix.
ENV_BLOCKLIST = frozenset((
    'VIRTUAL_ENV', 'PATH', 'PYTHONPATH', 'JOB_ID', 'INVENTORY_ID', 'INVENTORY_SOURCE_ID',
    'INVENTORY_UPDATE_ID', 'AD_HOC_COMMAND_ID', 'REST_API_URL', 'REST_API_TOKEN', 'MAX_EVENT_RES',
    'CALLBACK_QUEUE', 'CALLBACK_CONNECTION', 'CACHE', 'JOB_CALLBACK_DEBUG', 'INVENTORY_HOSTVARS',
    'AWX_HOST', 'PROJECT_REVISION', 'SUPERVISOR_CONFIG_PATH'))
PAYLOAD_KEYS = {'name', 'description', 'kind', 'inputs', 'injectors'}


class TowerNamespace(object):
    filename = None


def load(system):
    with open(os.path.join(TYPES_DIR, '%s.yml' % system)) as handle:
        return yaml.safe_load(handle)


def fields(ctype):
    return {f['id']: f for f in ctype['inputs'].get('fields', [])}


def secret_fields(ctype):
    return [f['id'] for f in ctype['inputs'].get('fields', []) if f.get('secret') is True]


def referenced(template):
    """The variable names a template reads."""
    return meta.find_undeclared_variables(ImmutableSandboxedEnvironment().parse(template))


def validate(ctype):
    """The checks AWX makes when the credential type is saved; returns a list of problems."""
    problems = []
    extra = set(ctype) - PAYLOAD_KEYS
    if extra:
        problems.append('keys AWX does not take: %s' % sorted(extra))
    if ctype.get('kind') not in ('cloud', 'net'):
        problems.append('kind must be cloud or net for a custom credential type')
    ids = [f.get('id') for f in ctype['inputs'].get('fields', [])]
    if len(ids) != len(set(ids)):
        problems.append('duplicate field ids')
    for field in ctype['inputs'].get('fields', []):
        if not field.get('id') or not field.get('label'):
            problems.append('a field needs id and label: %r' % field)
        if field.get('type', 'string') not in FIELD_TYPES:
            problems.append('%s: type must be one of %s' % (field.get('id'), FIELD_TYPES))
        if field.get('type') == 'boolean' and field.get('secret'):
            problems.append('%s: a boolean cannot be secret' % field['id'])
        if 'choices' in field and field.get('default', field['choices'][0]) not in field['choices']:
            problems.append('%s: default is not one of the choices' % field['id'])
    for name in ctype['inputs'].get('required', []):
        if name not in ids:
            problems.append('required field %s is not defined' % name)
    injectors = ctype.get('injectors') or {}
    if set(injectors) - {'env', 'file', 'extra_vars'}:
        problems.append('unknown injector kinds: %s' % sorted(set(injectors) - {'env', 'file', 'extra_vars'}))
    files = injectors.get('file', {})
    if any(not re.match(r'^template(\.[a-zA-Z_]+[a-zA-Z0-9_]*)?$', key) for key in files):
        problems.append('file injector keys must be template or template.NAME')
    # AWX renders each template with every field defined and StrictUndefined.
    namespace = {f['id']: (True if f.get('type') == 'boolean' else 'EXAMPLE')
                 for f in ctype['inputs'].get('fields', [])}
    tower = TowerNamespace()
    if 'template' in files:
        tower.filename = 'EXAMPLE_FILENAME'
    namespace['tower'] = tower
    strict = ImmutableSandboxedEnvironment(undefined=StrictUndefined)
    for kind in ('env', 'file', 'extra_vars'):
        for key, template in (injectors.get(kind) or {}).items():
            if kind == 'env' and (key.startswith('ANSIBLE_') or key in ENV_BLOCKLIST):
                problems.append('env var %s is reserved by AWX' % key)
            try:
                strict.from_string(str(template)).render(namespace)
            except (UndefinedError, TemplateSyntaxError) as exc:
                problems.append('%s.%s does not render: %s' % (kind, key, exc))
    return problems


def render(ctype, inputs, private_data_dir, container_root=None):
    """(env, safe_env): the job environment AWX builds from a credential's inputs.

    Files go to <private_data_dir>/env like AWX does; container_root (e.g. /runner) replaces
    private_data_dir in the paths, as in an execution environment; None keeps host paths.
    """
    known = fields(ctype)
    unknown = set(inputs) - set(known)
    if unknown:
        raise ValueError('inputs not defined by the credential type: %s' % sorted(unknown))
    missing = [name for name in ctype['inputs'].get('required', []) if inputs.get(name) in (None, '')]
    if missing:
        raise ValueError('required inputs missing: %s' % missing)
    secrets = set(secret_fields(ctype))
    tower = TowerNamespace()
    namespace, safe = {'tower': tower}, {'tower': tower}
    for name, value in inputs.items():
        if isinstance(value, bool):  # AWX: type(value) is bool; the same for a bool
            namespace[name] = safe[name] = value
            continue
        if value:
            namespace[name] = value
            safe[name] = HIDDEN if name in secrets else value
    for field in known.values():
        if field.get('type') == 'boolean' and field['id'] not in inputs:
            namespace[field['id']] = safe[field['id']] = False
    sandbox = ImmutableSandboxedEnvironment()
    env_dir = os.path.join(private_data_dir, 'env')
    os.makedirs(env_dir, mode=0o700, exist_ok=True)
    for label, template in (ctype['injectors'].get('file') or {}).items():
        data = sandbox.from_string(template).render(**namespace)
        handle, path = tempfile.mkstemp(dir=env_dir)
        with os.fdopen(handle, 'w') as out:
            out.write(data)
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
        if container_root:
            path = os.path.join(container_root, os.path.relpath(path, private_data_dir))
        if '.' in label:
            raise NotImplementedError('multi-file injectors are not used here')
        tower.filename = path
    env, safe_env = {}, {}
    for name, template in (ctype['injectors'].get('env') or {}).items():
        if name in ENV_BLOCKLIST:
            continue
        env[name] = sandbox.from_string(template).render(**namespace)
        safe_env[name] = sandbox.from_string(template).render(**safe)
    return env, safe_env
