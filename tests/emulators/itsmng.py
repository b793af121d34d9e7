"""ITSM-NG / GLPI REST API emulator. It answers byte for byte as real ITSM-NG 1.4.0 and GLPI 10.0.6
servers did (the exchanges in tests/unit/emulators/fixtures/): status and reason, the PHP
header set, error arrays with the "; view documentation ..." suffix where the server adds it,
empty bodies, HTML-encoded entity names. It follows the server's own code paths (API::initApi,
checkAppToken, checkSessionToken, Session::changeProfile / changeActiveEntities) so that the
cases the transcripts do not show answer as the same code would.

flavour 'itsmng' (ITSM-NG 1.4.0 = GLPI 9.5 code) or 'glpi10' (GLPI 10.0.6): killSession and
changeActiveProfile answer `true` instead of an empty body, a refused changeActiveEntities is
200 `false` instead of 400 ERROR, entity names encode '>' as &#62; instead of &gt;, and the
active profile carries GLPI 10's rights.

Configuration: see DEFAULT_CONFIG and tests/emulators/README.md. Counters: logins,
failed_logins, logouts, profile_changes, entity_changes, password_reset_requests,
password_resets, changes (created items).
"""

import base64
import binascii
import copy
import hashlib
import hmac
import html
import ipaddress
import json
import math
import re
import secrets
import time
from urllib.parse import parse_qsl

from base import Emulator, Reply

COUNTERS = ('logins', 'failed_logins', 'logouts', 'profile_changes', 'entity_changes',
            'password_reset_requests', 'password_resets', 'changes')
FLAVOURS = ('itsmng', 'glpi10')
SID_ALPHABET = '0123456789abcdefghijklmnopqrstuv'  # PHP session ids, 5 bits per character
DAY = 86400  # a password_forget_token lives one day, as User::updateForgottenPassword checks
READ, UPDATE, CREATE, DELETE, PURGE = 1, 2, 4, 8, 16  # GLPI right bits
TICKET_VIEW = 1 | 1024 | 2048 | 4096  # READMY | READALL | READGROUP | READASSIGN
ITEMTYPES = {'computer': 'Computer', 'ticket': 'Ticket'}
RIGHT_FIELD = {'Computer': 'computer', 'Ticket': 'ticket'}

APP_TOKEN = 'mXL7qNn12lQE7PtpIdpOLd0EoVPWYY0ayPvBHj6b'
ITSM_USER_TOKEN = 'V7zvCJfyKTTDf3peMXpEynJ8tJIxQ2Jx1FelnhmA'
TECH_USER_TOKEN = 'MhSBfB5NK3lUjs9OCXj4jwYDUQsfXcZeDC18foPf'

# English source strings (GLPI's msgids) and a French rendering: a test can switch the
# locale to prove the client decides on the code, never on the message.
FRENCH = {
    'Incorrect username or password': 'Identifiant ou mot de passe incorrect',
    'parameter user_token seems invalid': 'le paramètre user_token semble invalide',
    'missing parameter app_token': 'paramètre app_token manquant',
    'parameter app_token seems wrong': 'le paramètre app_token semble incorrect',
    'parameter(s) login, password or user_token are missing':
        'paramètre(s) login, password ou user_token manquant(s)',
    'usage of initSession resource with credentials is disabled':
        "l'utilisation de la ressource initSession avec des identifiants est désactivée",
    'parameter session_token is missing or empty': 'le paramètre session_token est manquant ou vide',
    'session_token seems invalid': 'session_token semble invalide',
    'Item not found': 'Élément introuvable',
    "You don't have permission to perform this action.":
        "Vous n'avez pas les droits requis pour réaliser cette action.",
    'API disabled': 'API désactivée',
    "There isn't an active API client matching your IP address in the configuration":
        "Il n'y a pas de client API actif correspondant à votre adresse IP dans la configuration",
    'view documentation in your browser at %s': 'consultez la documentation dans votre navigateur à %s',
    'Email notifications are disabled': 'Les notifications par courriel sont désactivées',
    'email parameter missing': 'paramètre email manquant',
    'A session is active': 'Une session est active',
    'Only HTTP verb PUT is allowed': 'Seul le verbe HTTP PUT est autorisé',
    'If the given email address match an exisiting %s user, you will receive an email containing '
    'the informations required to reset your password. Please contact your administrator if you '
    'do not receive any email.':
        "Si l'adresse de courriel donnée correspond à un utilisateur %s existant, vous recevrez un "
        "courriel contenant les informations nécessaires à la réinitialisation de votre mot de passe. "
        "Contactez votre administrateur si vous ne recevez aucun courriel.",
    'Reset password successful.': 'Réinitialisation du mot de passe réussie.',
    'Your password reset request has expired or is invalid. Please renew it.':
        'Votre demande de réinitialisation du mot de passe a expiré ou est invalide. Veuillez la renouveler.',
    'tree structure': 'arborescence',
    'resource not found or not an instance of CommonDBTM':
        "ressource introuvable ou qui n'est pas une instance de CommonDBTM",
    'input parameter must be an array of objects': "le paramètre input doit être un tableau d'objets",
    'Item successfully added': 'Élément ajouté avec succès',
    'Method Not Allowed': 'Méthode non autorisée',
}

ITSMNG_SUPER_ADMIN = json.loads(
    '{"id":4,"name":"Super-Admin","interface":"central","is_default":0,"helpdesk_hardware":3,"helpdes'
    'k_item_type":["Computer","Monitor","NetworkEquipment","Peripheral","Phone","Printer","Software",'
    '"DCRoom","Rack","Enclosure"],"ticket_status":[],"date_mod":null,"comment":"","problem_status":[]'
    ',"create_ticket_on_login":0,"tickettemplates_id":0,"changetemplates_id":0,"problemtemplates_id":'
    '0,"change_status":null,"managed_domainrecordtypes":[-1],"date_creation":null,"appliance":31,"bac'
    'kup":1045,"bookmark_public":23,"budget":127,"calendar":23,"cartridge":255,"certificate":255,"cha'
    'nge":1151,"changevalidation":1044,"cluster":31,"computer":255,"config":3,"consumable":255,"conta'
    'ct_enterprise":255,"contract":255,"dashboard":23,"datacenter":31,"device":23,"devicesimcard_pinp'
    'uk":3,"document":255,"domain":23,"dropdown":23,"entity":3327,"externalevent":1055,"followup":153'
    '83,"global_validation":0,"group":119,"infocom":23,"internet":159,"itilcategory":23,"itiltemplate'
    '":23,"knowbase":15383,"knowbasecategory":23,"license":255,"line":255,"lineoperator":23,"link":15'
    '9,"location":23,"logs":1,"monitor":255,"netpoint":23,"networking":255,"notification":23,"passwor'
    'd_update":1,"peripheral":255,"personalization":3,"phone":255,"planning":3073,"printer":255,"prob'
    'lem":1151,"profile":23,"project":1151,"projecttask":1121,"queuedchat":31,"queuednotification":31'
    ',"reminder_public":159,"reports":1,"reservation":1055,"rssfeed_public":159,"rule_asset":1047,"ru'
    'le_dictionnary_dropdown":23,"rule_dictionnary_printer":23,"rule_dictionnary_software":23,"rule_i'
    'mport":23,"rule_ldap":23,"rule_mailcollector":23,"rule_softwarecategories":23,"rule_ticket":1047'
    ',"search_config":3072,"show_group_hardware":1,"slm":23,"software":255,"solutiontemplate":23,"sta'
    'te":23,"statistic":1,"status_ticket":23,"task":13329,"taskcategory":23,"ticket":261151,"ticketco'
    'st":23,"ticketrecurrent":23,"ticketvalidation":15376,"transfer":23,"typedoc":23,"user":7327}'
)
ITSMNG_TECHNICIAN = json.loads(
    '{"id":6,"name":"Technician","interface":"central","is_default":0,"helpdesk_hardware":3,"helpdesk'
    '_item_type":["Computer","Monitor","NetworkEquipment","Peripheral","Phone","Printer","Software","'
    'DCRoom","Rack","Enclosure"],"ticket_status":[],"date_mod":null,"comment":"","problem_status":[],'
    '"create_ticket_on_login":0,"tickettemplates_id":0,"changetemplates_id":0,"problemtemplates_id":0'
    ',"change_status":null,"managed_domainrecordtypes":[],"date_creation":null,"appliance":31,"backup'
    '":0,"bookmark_public":0,"budget":96,"calendar":0,"cartridge":127,"certificate":127,"change":1151'
    ',"changevalidation":20,"cluster":31,"computer":127,"config":0,"consumable":127,"contact_enterpri'
    'se":96,"contract":96,"dashboard":0,"datacenter":31,"device":0,"devicesimcard_pinpuk":3,"document'
    '":127,"domain":0,"dropdown":0,"entity":33,"externalevent":1,"followup":13319,"global_validation"'
    ':0,"group":1,"infocom":0,"internet":31,"itilcategory":0,"itiltemplate":1,"knowbase":14359,"knowb'
    'asecategory":0,"license":127,"line":127,"lineoperator":0,"link":0,"location":0,"logs":0,"monitor'
    '":127,"netpoint":0,"networking":127,"notification":0,"password_update":1,"peripheral":127,"perso'
    'nalization":3,"phone":127,"planning":1,"printer":127,"problem":1121,"profile":0,"project":1151,"'
    'projecttask":1025,"queuedchat":0,"queuednotification":0,"reminder_public":23,"reports":1,"reserv'
    'ation":1055,"rssfeed_public":23,"rule_asset":0,"rule_dictionnary_dropdown":0,"rule_dictionnary_p'
    'rinter":0,"rule_dictionnary_software":0,"rule_import":0,"rule_ldap":0,"rule_mailcollector":0,"ru'
    'le_softwarecategories":0,"rule_ticket":0,"search_config":0,"show_group_hardware":0,"slm":1,"soft'
    'ware":127,"solutiontemplate":0,"state":0,"statistic":1,"task":13329,"taskcategory":0,"ticket":16'
    '6919,"ticketcost":23,"ticketrecurrent":1,"ticketvalidation":3088,"transfer":1,"typedoc":0,"user"'
    ':1055}'
)
GLPI10_SUPER_ADMIN = json.loads(
    '{"id":4,"name":"Super-Admin","interface":"central","is_default":0,"helpdesk_hardware":3,"helpdes'
    'k_item_type":["Computer","Monitor","NetworkEquipment","Peripheral","Phone","Printer","Software",'
    '"DCRoom","Rack","Enclosure","Database"],"ticket_status":[],"date_mod":null,"comment":"","problem'
    '_status":[],"create_ticket_on_login":0,"tickettemplates_id":0,"changetemplates_id":0,"problemtem'
    'plates_id":0,"change_status":null,"managed_domainrecordtypes":[-1],"date_creation":null,"agent":'
    '19,"appliance":31,"backup":1045,"bookmark_public":23,"budget":127,"cable_management":31,"calenda'
    'r":23,"cartridge":255,"certificate":255,"change":1151,"changevalidation":1044,"cluster":31,"comp'
    'uter":255,"config":3,"consumable":255,"contact_enterprise":255,"contract":255,"dashboard":23,"da'
    'tabase":31,"datacenter":31,"device":23,"devicesimcard_pinpuk":3,"document":255,"domain":23,"drop'
    'down":23,"entity":3327,"externalevent":1055,"followup":31767,"global_validation":0,"group":119,"'
    'infocom":23,"internet":159,"inventory":3073,"itilcategory":23,"itilfollowuptemplate":23,"itiltem'
    'plate":23,"knowbase":15383,"knowbasecategory":23,"license":255,"line":255,"lineoperator":23,"lin'
    'k":159,"location":23,"locked_field":6,"logs":1,"monitor":255,"networking":255,"notification":23,'
    '"password_update":1,"pendingreason":31,"peripheral":255,"personalization":3,"phone":255,"plannin'
    'g":3073,"printer":255,"problem":1151,"profile":23,"project":1151,"projecttask":1121,"queuednotif'
    'ication":31,"recurrentchange":31,"refusedequipment":19,"reminder_public":159,"reports":1,"reserv'
    'ation":1055,"rssfeed_public":159,"rule_asset":1047,"rule_dictionnary_dropdown":23,"rule_dictionn'
    'ary_printer":23,"rule_dictionnary_software":23,"rule_import":23,"rule_ldap":23,"rule_location":2'
    '3,"rule_mailcollector":23,"rule_softwarecategories":23,"rule_ticket":1047,"search_config":3072,"'
    'show_group_hardware":1,"slm":23,"snmpcredential":31,"software":255,"solutiontemplate":23,"state"'
    ':23,"statistic":1,"task":13329,"taskcategory":23,"ticket":261151,"ticketcost":23,"ticketrecurren'
    't":23,"ticketvalidation":15376,"transfer":23,"typedoc":23,"user":7327}'
)
GLPI10_TECHNICIAN = json.loads(
    '{"id":6,"name":"Technician","interface":"central","is_default":0,"helpdesk_hardware":3,"helpdesk'
    '_item_type":["Computer","Monitor","NetworkEquipment","Peripheral","Phone","Printer","Software","'
    'DCRoom","Rack","Enclosure","Database"],"ticket_status":[],"date_mod":null,"comment":"","problem_'
    'status":[],"create_ticket_on_login":0,"tickettemplates_id":0,"changetemplates_id":0,"problemtemp'
    'lates_id":0,"change_status":null,"managed_domainrecordtypes":[],"date_creation":null,"agent":0,"'
    'appliance":31,"backup":0,"bookmark_public":0,"budget":96,"cable_management":0,"calendar":0,"cart'
    'ridge":127,"certificate":127,"change":1151,"changevalidation":20,"cluster":31,"computer":127,"co'
    'nfig":0,"consumable":127,"contact_enterprise":96,"contract":96,"dashboard":0,"database":31,"data'
    'center":31,"device":0,"devicesimcard_pinpuk":3,"document":127,"domain":0,"dropdown":0,"entity":3'
    '3,"externalevent":1,"followup":13319,"global_validation":0,"group":1,"infocom":0,"internet":31,"'
    'inventory":0,"itilcategory":0,"itilfollowuptemplate":0,"itiltemplate":1,"knowbase":14359,"knowba'
    'secategory":0,"license":127,"line":127,"lineoperator":0,"link":0,"location":0,"locked_field":0,"'
    'logs":0,"monitor":127,"networking":127,"notification":0,"password_update":1,"pendingreason":1,"p'
    'eripheral":127,"personalization":3,"phone":127,"planning":1,"printer":127,"problem":1121,"profil'
    'e":0,"project":1151,"projecttask":1025,"queuednotification":0,"recurrentchange":1,"refusedequipm'
    'ent":0,"reminder_public":23,"reports":1,"reservation":1055,"rssfeed_public":23,"rule_asset":0,"r'
    'ule_dictionnary_dropdown":0,"rule_dictionnary_printer":0,"rule_dictionnary_software":0,"rule_imp'
    'ort":0,"rule_ldap":0,"rule_location":0,"rule_mailcollector":0,"rule_softwarecategories":0,"rule_'
    'ticket":0,"search_config":0,"show_group_hardware":0,"slm":1,"snmpcredential":0,"software":127,"s'
    'olutiontemplate":0,"state":0,"statistic":1,"task":13329,"taskcategory":0,"ticket":166919,"ticket'
    'cost":23,"ticketrecurrent":1,"ticketvalidation":3088,"transfer":1,"typedoc":0,"user":1055}'
)


def _derived(base, **changes):
    """A profile the transcripts do not show, shaped like one they do (same keys, same order)."""
    profile = copy.deepcopy(base)
    for key, value in changes.items():
        profile[key] = value
    return profile


def _profiles(super_admin, technician):
    """Profile fields (without entities) by id. 4 and 6 are the transcripts' own; the others
    follow GLPI's default profiles in spirit: only a few rights differ."""
    rights = {
        1: _derived(technician, id=1, name='Self-Service', interface='helpdesk', is_default=1,
                    computer=0, monitor=0, networking=0, printer=0, peripheral=0, phone=0, software=0,
                    ticket=140295, followup=5, task=0, knowbase=10240, reservation=1, problem=0,
                    change=0, project=0, projecttask=0, user=0, group=0, document=0, contract=0),
        2: _derived(technician, id=2, name='Observer', computer=33, ticket=168967, change=0),
        3: _derived(super_admin, id=3, name='Admin', config=0, profile=1, entity=1),
        5: _derived(technician, id=5, name='Hotliner', computer=1, ticket=140319),
        7: _derived(technician, id=7, name='Supervisor'),
        8: _derived(technician, id=8, name='Read-Only', computer=33, ticket=1024, followup=1024,
                    task=1024, change=1, problem=1),
    }
    rights[4] = super_admin
    rights[6] = technician
    return rights


PROFILE_FIELDS = {
    'itsmng': _profiles(ITSMNG_SUPER_ADMIN, ITSMNG_TECHNICIAN),
    'glpi10': _profiles(GLPI10_SUPER_ADMIN, GLPI10_TECHNICIAN),
}


# -- PHP semantics the server code relies on --------------------------------------------
def php_empty(value):
    return value in (None, False, 0, 0.0, '', '0') or value == [] or value == {}


def php_truthy(value):
    return not php_empty(value)


def php_intval(value):
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) else 0
    if isinstance(value, str):
        match = re.match(r'[ \t\n\r\v\f]*([+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?)', value)
        if not match:
            return 0
        number = match.group(1)
        try:
            return int(number) if re.fullmatch(r'[+-]?\d+', number) else int(float(number))
        except (ValueError, OverflowError):
            return 0
    if isinstance(value, (list, dict)):
        return 1 if value else 0
    return 0


def php_numeric(value):
    return isinstance(value, str) and re.fullmatch(
        r'[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?[ \t\n\r\v\f]*', value) is not None


def php_loose_eq(param, stored):
    """PHP 8 `==` between a request parameter and a stored string (or NULL)."""
    stored = '' if stored is None else str(stored)
    if param is None:
        return stored == ''
    if isinstance(param, bool):
        return param == php_truthy(stored)
    if isinstance(param, (int, float)):
        return php_numeric(stored) and float(stored) == param
    if isinstance(param, str):
        if php_numeric(param) and php_numeric(stored):
            return float(param) == float(stored)
        return param == stored
    return False


def php_equals_one(value):
    """`$value == 1` in PHP 8."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value == 1
    return php_numeric(value) and float(value) == 1


def php_array(mapping):
    """json_encode of a PHP array keyed by ints: a list when the keys are 0..n-1, else an object."""
    keys = list(mapping)
    if keys == list(range(len(keys))):
        return list(mapping.values())
    return {str(key): value for key, value in mapping.items()}


def isset(params, key):
    return params.get(key) is not None


def encode(flavour, text):
    """Names as the database stores them: GLPI 9.5 htmlentities (&gt;), GLPI 10's sanitizer (&#62;)."""
    if flavour == 'glpi10':
        return ''.join('&#%d;' % ord(c) if c in '<>&"\'' else c for c in text)
    return html.escape(text, quote=True).replace('&#x27;', '&#039;')


class Answer(Exception):
    """returnError()/returnResponse() end the PHP script: the same, as an exception."""

    def __init__(self, reply):
        super().__init__()
        self.reply = reply


class Ctx:
    """One request: its parameters as the API sees them and whether the PHP session started
    (the Pragma header comes from session_start)."""

    def __init__(self, request, api_url):
        self.request = request
        self.api_url = api_url
        self.params = {}
        self.started = False
        self.clients = []
        self.session = None


class ItsmngEmulator(Emulator):
    name = 'itsmng'
    api_root = '/apirest.php'
    DEFAULT_CONFIG = {
        'api_enabled': True,
        'login_with_credentials': True,     # enable_api_login_credentials
        'login_with_user_token': True,      # enable_api_login_external_token
        'notifications_enabled': True,      # use_notifications and notifications_mailing
        'session_ttl': 1440,                # seconds of inactivity (PHP session.gc_maxlifetime)
        'locale': 'en_GB',                  # or fr_FR
        'url_base_api': None,               # None: http://<Host header>/apirest.php
        'trust_x_forwarded_for': False,     # GLPI 9.5 took the client IP from X-Forwarded-For
        'x_powered_by': 'PHP/8.2.36',
        'api_clients': [
            {'name': 'full access from localhost', 'ip': '127.0.0.1', 'ipv6': '::1',
             'app_token': APP_TOKEN, 'active': True},
        ],
        'entities': [
            {'id': 0, 'name': 'Root entity', 'parent': None},
            {'id': 1, 'name': 'Child A', 'parent': 0},
            {'id': 2, 'name': 'Child B', 'parent': 0},
            {'id': 3, 'name': 'Grandchild A1', 'parent': 1},
        ],
        'profiles': [
            {'id': 1, 'name': 'Self-Service'}, {'id': 2, 'name': 'Observer'},
            {'id': 3, 'name': 'Admin'}, {'id': 4, 'name': 'Super-Admin'},
            {'id': 5, 'name': 'Hotliner'}, {'id': 6, 'name': 'Technician'},
            {'id': 7, 'name': 'Supervisor'}, {'id': 8, 'name': 'Read-Only'},
        ],
        'rights': {},   # {"<profile id>": {"computer": 0, ...}} overrides the built-in rights
        'users': {
            'itsm': {
                'id': 2, 'password': 'itsm', 'user_token': ITSM_USER_TOKEN, 'email': 'itsm@example.com',
                'default_profile': 4, 'default_entity': 0,
                'profiles': [{'profile': 4, 'entity': 0, 'recursive': True},
                             {'profile': 6, 'entity': 1, 'recursive': True},
                             {'profile': 3, 'entity': 2, 'recursive': False}],
            },
            'post-only': {
                # No default profile: the server activates the alphabetically first (Read-Only).
                'id': 3, 'password': 'postonly', 'user_token': 'PostOnlyUserToken0000000000000000000000',
                'email': 'post-only@example.com', 'default_profile': None, 'default_entity': 0,
                'profiles': [{'profile': 1, 'entity': 0, 'recursive': True},
                             {'profile': 8, 'entity': 1, 'recursive': True}],
            },
            'tech': {
                'id': 4, 'password': 'tech', 'user_token': TECH_USER_TOKEN, 'email': 'tech@example.com',
                'default_profile': 6, 'default_entity': 0,
                'profiles': [{'profile': 6, 'entity': 0, 'recursive': True},
                             {'profile': 6, 'entity': 1, 'recursive': False}],
            },
        },
        'items': {
            'Computer': [
                {'id': 1, 'entities_id': 0, 'name': 'pc-root-01', 'serial': 'SN-0001'},
                {'id': 2, 'entities_id': 1, 'name': 'pc-child-a-01', 'serial': 'SN-0002'},
                {'id': 3, 'entities_id': 2, 'name': 'pc-child-b-01', 'serial': 'SN-0003'},
                {'id': 4, 'entities_id': 3, 'name': 'pc-grandchild-a1-01', 'serial': 'SN-0004'},
            ],
            'Ticket': [],
        },
    }

    def __init__(self, config=None, flavour=None):
        flavour = flavour or 'itsmng'
        if flavour not in FLAVOURS:
            raise ValueError('flavour must be one of %s' % ', '.join(FLAVOURS))
        super().__init__(config, flavour)

    # -- state -------------------------------------------------------------------------
    def reset(self):
        with self.lock:
            self.items = None           # rebuilt from the configuration by setup()
            self.forget_tokens = {}     # login -> (password_forget_token, issued at)
            super().reset()

    def setup(self):
        if self.items is None:
            self.items = {kind: [dict(item, is_deleted=0) for item in copy.deepcopy(rows)]
                          for kind, rows in (self.config.get('items') or {}).items()}
            self.generate_items(self.config.get('generate') or {})
        self.entities = {int(e['id']): e for e in self.config.get('entities') or []}

    def generate_items(self, counts):
        """`generate: {"Computer": 1200}` adds that many items in the root entity (paging tests)."""
        for itemtype, count in counts.items():
            rows = self.items.setdefault(itemtype, [])
            first = max([r['id'] for r in rows] + [0]) + 1
            for number in range(first, first + min(int(count), 100000)):
                rows.append({'id': number, 'entities_id': 0, 'name': '%s-%05d' % (itemtype.lower(), number),
                             'is_deleted': 0})

    def forget_sessions(self):
        self.sessions = {}

    def expire_sessions(self, ids=None):
        wanted = None if ids is None else {str(i) for i in ids}
        for token, session in self.sessions.items():
            if wanted is None or token in wanted:
                session['expired'] = True

    def _alive(self, session, now=None):
        now = self.now() if now is None else now
        return (not session['killed'] and not session['expired']
                and now - session['last_used'] <= float(self.config.get('session_ttl', 1440)))

    def live_sessions(self):
        now = self.now()
        return sum(1 for s in self.sessions.values() if self._alive(s, now))

    def summary(self):
        now = self.now()
        body = {key: self.stats[key] for key in COUNTERS}
        body['sessions'] = [
            {'user': s['login'], 'active_profile': s['active_profile'], 'active_entity': s['active_entity'],
             'recursive': bool(s['recursive'])}
            for s in self.sessions.values() if self._alive(s, now)]
        users = self.config.get('users') or {}
        body['password_forget_tokens'] = {
            users[login].get('email'): token for login, (token, issued) in self.forget_tokens.items()
            if login in users and now - issued < DAY}
        return body

    # -- helpers -----------------------------------------------------------------------
    def t(self, message):
        if str(self.config.get('locale', 'en_GB')).lower().startswith('fr'):
            return FRENCH.get(message, message)
        return message

    def product(self):
        return 'GLPI' if self.flavour == 'glpi10' else 'ITSM-NG'

    def api_url(self, request):
        base = self.config.get('url_base_api')
        if not base:  # the server's url_base_api; here: where the client reached us
            scheme = getattr(request, 'scheme', None) or 'http'
            base = '%s://%s%s' % (scheme, request.header('Host') or '127.0.0.1', self.api_root)
        return base.strip('/')

    def headers(self, ctx, extra=(), content_type='application/json; charset=UTF-8'):
        """The header set of the transcripts (PHP built-in server; Date comes from the base)."""
        request = ctx.request
        out = [('Connection', 'close'), ('X-Powered-By', self.config.get('x_powered_by') or 'PHP')]
        if request.header('Origin') is not None:
            out.append(('Access-Control-Allow-Origin', '*'))
        if request.method in ('GET', 'OPTIONS'):
            out.append(('Access-Control-Expose-Headers', 'content-type, content-range, accept-range'))
        if ctx.started:
            out.append(('Pragma', 'no-cache'))
        out.extend(extra)
        out += [('Content-Type', content_type),
                ('Cache-Control', 'no-store, no-cache, must-revalidate'),
                ('Expires', 'Mon, 26 Jul 1997 05:00:00 GMT')]
        return out

    def respond(self, ctx, status, body, extra=()):
        """returnResponse(): JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES, null -> empty body."""
        data = b'' if body is None else json.dumps(body, ensure_ascii=False, separators=(',', ':')).encode()
        return Reply(status, data, self.headers(ctx, extra))

    def error(self, ctx, message='Bad Request', status=400, code='ERROR', doc=True, translate=True):
        """returnError(), raised: the PHP script exits there."""
        if translate and isinstance(message, str):
            message = self.t(message)
        if doc:
            message += '; ' + self.t('view documentation in your browser at %s') % ('%s/#%s' % (ctx.api_url, code))
        raise Answer(self.respond(ctx, status, [code, message]))

    # -- entities ----------------------------------------------------------------------
    def ancestors(self, entity_id):
        """getAncestorsOf: root first, without the entity itself; [] for an unknown entity."""
        chain, seen = [], set()
        current = self.entities.get(entity_id)
        while current is not None and current.get('parent') is not None and len(chain) < 100:
            parent = int(current['parent'])
            if parent in seen:
                break
            seen.add(parent)
            chain.append(parent)
            current = self.entities.get(parent)
        return list(reversed(chain))

    def sons(self, entity_id):
        """getSonsOf: the entity, then its descendants level by level (database order)."""
        found, level = [entity_id], [entity_id]
        while level and len(found) <= len(self.entities):
            level = [e for e in sorted(self.entities) if self.entities[e].get('parent') is not None
                     and int(self.entities[e]['parent']) in level and e not in found]
            found.extend(level)
        return found

    def short_name(self, entity_id):
        entity = self.entities.get(entity_id)
        return encode(self.flavour, entity['name']) if entity else None

    def complete_name(self, entity_id):
        """Dropdown::getDropdownName on glpi_entities: the completename, HTML-encoded."""
        if entity_id not in self.entities:
            return '&nbsp;'
        parts = [self.short_name(e) for e in self.ancestors(entity_id) + [entity_id]]
        return encode(self.flavour, ' > ').join(parts)

    # -- sessions ----------------------------------------------------------------------
    def new_token(self):
        while True:
            token = ''.join(secrets.choice(SID_ALPHABET) for dummy in range(26))
            if token not in self.sessions and not token.isdigit():
                return token

    def profile_names(self):
        return {int(p['id']): p['name'] for p in self.config.get('profiles') or []}

    def open_session(self, login, user):
        now = self.now()
        if len(self.sessions) > 10000:  # long benchmarks: a dead token answers the same as an unknown one
            self.sessions = {t: s for t, s in self.sessions.items() if self._alive(s, now)}
        names = self.profile_names()
        profiles = {}
        # initEntityProfiles: profiles by name, their entities by completename; a recursive
        # assignment wins over a non-recursive one on the same entity.
        assignments = [a for a in user.get('profiles') or [] if int(a['profile']) in names]
        for pid in sorted({int(a['profile']) for a in assignments}, key=lambda p: encode(self.flavour, names[p])):
            rows = [a for a in assignments if int(a['profile']) == pid]
            rows.sort(key=lambda a: self.complete_name(int(a['entity'])))
            entities = {}
            for row in rows:
                eid = int(row['entity'])
                if eid not in entities or row.get('recursive'):
                    entities[eid] = {'id': eid, 'name': self.short_name(eid),
                                     'is_recursive': 1 if row.get('recursive') else 0}
            profiles[pid] = {'name': encode(self.flavour, names[pid]), 'entities': entities}
        session = {
            'token': self.new_token(), 'login': login, 'user': user, 'created': now, 'last_used': now,
            'killed': False, 'expired': False, 'profiles': profiles, 'active_profile': None,
            'active_entities': [], 'active_entity': None, 'recursive': False, 'all': False,
            'ancestors': {}, 'default_entity': php_intval(user.get('default_entity', 0)),
        }
        if profiles:
            default = user.get('default_profile')
            first = default if default is not None and int(default) in profiles else next(iter(profiles))
            self.change_profile(session, int(first))
        self.sessions[session['token']] = session
        return session

    def change_profile(self, session, pid):
        """Session::changeProfile: the default entity if the profile has it (with the
        assignment's own is_recursive, an int: hence `1` right after login), else the default
        entity recursively, else every entity of the profile."""
        session['active_profile'] = pid
        entities = session['profiles'][pid]['entities']
        done = False
        for entity in entities.values():
            if entity['id'] == session['default_entity']:
                if self.change_entities(session, entity['id'], entity['is_recursive']):
                    done = True
        if not done and not self.change_entities(session, session['default_entity'], True):
            self.change_entities(session, 'all', False)

    def change_entities(self, session, entity_id, is_recursive):
        """Session::changeActiveEntities; returns False when the entity is not allowed."""
        entities = session['profiles'][session['active_profile']]['entities']
        new = []
        if entity_id == 'all':
            merged = []
            for entity in entities.values():
                merged = self.ancestors(entity['id']) + merged
                new.append(entity['id'])
                if entity['is_recursive']:
                    new.extend(self.sons(entity['id']))
            ancestors = {}
            for index, value in enumerate(merged):
                if value not in ancestors.values():
                    ancestors[index] = value
        else:
            chain = self.ancestors(entity_id)
            ok = any((e['id'] == entity_id or e['id'] in chain) and (not is_recursive or e['is_recursive'])
                     for e in entities.values())
            if not ok:
                return False
            new = [entity_id] + (self.sons(entity_id) if is_recursive else [])
            ancestors = {value: value for value in chain}
        unique = list(dict.fromkeys(new))
        if not unique:
            return False
        session.update(active_entities=unique, active_entity=unique[0], recursive=is_recursive,
                       all=entity_id == 'all', ancestors=ancestors)
        return True

    def profile_body(self, session):
        pid = session['active_profile']
        fields = PROFILE_FIELDS[self.flavour].get(pid)
        if fields is None:  # a profile added by configuration: shaped like Technician
            fields = _derived(PROFILE_FIELDS[self.flavour][6], id=pid)
        body = copy.deepcopy(fields)
        body['id'] = pid
        body['name'] = session['profiles'][pid]['name']
        for key, value in ((self.config.get('rights') or {}).get(str(pid)) or {}).items():
            body[key] = value
        body['entities'] = php_array(session['profiles'][pid]['entities'])
        return body

    def has_right(self, session, field, bits):
        return bool(php_intval(self.profile_body(session).get(field, 0)) & bits)

    def full_session(self, session):
        """$_SESSION after an API login, with the keys a client could read."""
        user = session['user']
        active = session['active_entity']
        suffix = ''
        if php_truthy(session['recursive']) or session['all']:
            suffix = ' (%s)' % self.t('tree structure')
        actives = session['active_entities']
        parents = list(session['ancestors'].values())
        return {
            'valid_id': session['token'],
            'glpi_currenttime': time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(self.now())),
            'glpi_use_mode': 0,
            'glpiID': int(user.get('id', 0)),
            'glpifriendlyname': session['login'],
            'glpiname': session['login'],
            'glpirealname': user.get('realname', ''),
            'glpifirstname': user.get('firstname', ''),
            'glpidefault_entity': session['default_entity'],
            'glpiextauth': 0,
            'glpiauthtype': 1,
            'glpiroot': '',
            'glpilanguage': self.config.get('locale', 'en_GB'),
            'glpilist_limit': 15,
            'glpiprofiles': php_array({pid: {'name': p['name'], 'entities': php_array(p['entities'])}
                                       for pid, p in session['profiles'].items()}),
            'glpiactiveprofile': self.profile_body(session),
            'glpiactiveentities': php_array({e: e for e in actives}),
            'glpiactiveentities_string': "'%s'" % "', '".join(str(e) for e in actives),
            'glpiparententities': php_array(session['ancestors']),
            'glpiparententities_string': "'%s'" % "', '".join(str(e) for e in parents) if parents else '',
            'glpiactive_entity': active,
            'glpiactive_entity_recursive': session['recursive'],
            'glpiactive_entity_name': self.complete_name(active) + suffix,
            'glpiactive_entity_shortname': (self.short_name(active) or '') + suffix,
            'glpishowallentities': 1 if len(self.entities) <= len(actives) else 0,
            'glpigroups': [],
            'MESSAGE_AFTER_REDIRECT': [],
        }

    # -- dispatch ----------------------------------------------------------------------
    def handle(self, request):
        with self.lock:
            try:
                return self.route(request)
            except Answer as answer:
                return answer.reply

    def route(self, request):
        root = self.api_root
        if request.path != root and not request.path.startswith(root + '/'):
            return not_found(request)
        path_info = request.path[len(root):].strip('/').replace('api/', '')
        elements = path_info.split('/')
        resource = elements[0].strip()
        inline_doc = resource in ('', 'api')
        ctx = Ctx(request, self.api_url(request))
        if request.method == 'OPTIONS':
            return self.cors_preflight(ctx)
        self.parse_params(ctx, inline_doc)
        ctx.started = True  # includes.php starts the PHP session (and sends Pragma)
        self.init_api(ctx)
        token = ctx.params.get('session_token')
        if php_truthy(token) and isinstance(token, (str, int, float)):
            session = self.sessions.get(str(token))
            ctx.session = session if session and self._alive(session) else None
        if inline_doc:
            body = '<html><head><title>API Documentation</title></head><body><h1>Rest API</h1></body></html>'
            return Reply(200, body, self.headers(ctx, content_type='text/html; charset=UTF-8'))
        endpoints = {
            'initSession': self.init_session, 'killSession': self.kill_session,
            'changeActiveEntities': self.change_active_entities, 'getMyEntities': self.get_my_entities,
            'getActiveEntities': self.get_active_entities, 'changeActiveProfile': self.change_active_profile,
            'getMyProfiles': self.get_my_profiles, 'getActiveProfile': self.get_active_profile,
            'getFullSession': self.get_full_session,
        }
        if resource in endpoints:
            return endpoints[resource](ctx)
        if resource == 'lostPassword':
            if request.method not in ('PUT', 'PATCH'):
                self.error(ctx, 'Only HTTP verb PUT is allowed')
            return self.lost_password(ctx)
        return self.items_endpoint(ctx, elements)

    def cors_preflight(self, ctx):
        """cors() exits on OPTIONS before anything else: no session, PHP's default type."""
        request = ctx.request
        extra = []
        if request.header('Access-Control-Request-Method') is not None:
            extra.append(('Access-Control-Allow-Methods', 'PUT, GET, POST, DELETE, OPTIONS'))
        if request.header('Access-Control-Request-Headers') is not None:
            extra.append(('Access-Control-Allow-Headers', 'origin, content-type, accept, session-token, authorization'))
        headers = [h for h in self.headers(ctx, extra, 'text/html; charset=UTF-8')
                   if h[0] not in ('Cache-Control', 'Expires')]
        return Reply(200, b'', headers)

    def parse_params(self, ctx, inline_doc):
        """APIRest::parseIncomingParams: query string, then the body (JSON or form), then
        Basic auth, `Authorization: user_token <t>`, Session-Token and App-Token headers;
        the strings "true"/"false" become booleans."""
        request = ctx.request
        params = dict(parse_qsl(request.query_string, keep_blank_values=True))
        body = request.body.decode('utf-8', 'replace').strip(' \t\n\r\0\x0b')
        if body and request.method == 'GET':
            self.error(ctx, 'GET Request should not have json payload (http body)', 400,
                       'ERROR_JSON_PAYLOAD_FORBIDDEN', translate=False)
        content_type = request.header('Content-Type')
        if content_type is None:
            content_type = '' if inline_doc else 'application/json'
        if 'application/json' in content_type:
            try:
                decoded = json.loads(body) if body else None
            except ValueError:
                decoded = None
            if isinstance(decoded, dict):  # a JSON object is truthy in PHP, even empty
                params.update(decoded)
            elif isinstance(decoded, list) and decoded:
                params.update({str(i): v for i, v in enumerate(decoded)})
            elif php_empty(decoded) and body:
                self.error(ctx, 'JSON payload seems not valid', 400, 'ERROR_JSON_PAYLOAD_INVALID',
                           doc=False, translate=False)
        elif 'application/x-www-form-urlencoded' in content_type:
            params.update(parse_qsl(body, keep_blank_values=True))
        authorization = request.header('Authorization') or ''
        if authorization[:6].lower() == 'basic ':
            try:
                decoded_auth = base64.b64decode(authorization[6:].strip(), validate=True).decode('utf-8')
            except (binascii.Error, ValueError):
                decoded_auth = ''
            if ':' in decoded_auth:
                params['login'], params['password'] = decoded_auth.split(':', 1)
        if 'user_token' in authorization:
            parts = authorization.split(' ')
            if len(parts) > 1:
                params['user_token'] = parts[1]
        for header, key in (('Session-Token', 'session_token'), ('App-Token', 'app_token')):
            if request.header(header) is not None:
                params[key] = request.header(header)
        for key, value in params.items():
            if value == 'true' and isinstance(value, str):
                params[key] = True
            elif value == 'false' and isinstance(value, str):
                params[key] = False
        ctx.params = params

    def client_ip(self, request):
        forwarded = request.header('X-Forwarded-For')
        if forwarded and self.config.get('trust_x_forwarded_for'):
            return forwarded.split(',')[0].strip()
        return request.client_ip

    @staticmethod
    def ip_matches(client, ip):
        if ':' in ip:
            return not client.get('ipv6') or client['ipv6'] == ip
        spec = str(client.get('ip') or '').strip()
        if spec in ('', '*'):  # no IPv4 range: every address
            return True
        try:
            address = ipaddress.IPv4Address(ip)
            if '-' in spec:
                start, end = (ipaddress.IPv4Address(part.strip()) for part in spec.split('-', 1))
                return start <= address <= end
            return address in ipaddress.IPv4Network(spec, strict=False)
        except ValueError:
            return False

    def init_api(self, ctx):
        """API::initApi: API enabled, then an active API client whose range holds the IP."""
        if not self.config.get('api_enabled', True):
            self.error(ctx, 'API disabled', doc=False)
        ip = self.client_ip(ctx.request)
        ctx.clients = [c for c in self.config.get('api_clients') or []
                       if c.get('active', True) and self.ip_matches(c, ip)]
        if not ctx.clients:
            message = "%s (%s)" % (self.t("There isn't an active API client matching your IP address in the "
                                          "configuration"), ip)
            self.error(ctx, message, 400, 'ERROR_NOT_ALLOWED_IP', doc=False, translate=False)

    def check_app_token(self, ctx):
        token = ctx.params.get('app_token')
        if token is None:
            token = ''
        if any(php_loose_eq(token, client.get('app_token')) for client in ctx.clients):
            return
        if not php_loose_eq(token, ''):
            self.error(ctx, 'parameter app_token seems wrong', 400, 'ERROR_WRONG_APP_TOKEN_PARAMETER')
        self.error(ctx, 'missing parameter app_token', 400, 'ERROR_APP_TOKEN_PARAMETERS_MISSING')

    def init_endpoint(self, ctx):
        """API::initEndpoint: App-Token first, then the session token."""
        self.check_app_token(ctx)
        if php_empty(ctx.params.get('session_token')):
            self.error(ctx, 'parameter session_token is missing or empty', 400, 'ERROR_SESSION_TOKEN_MISSING')
        session = ctx.session
        if session is None or str(ctx.params['session_token']) != session['token']:
            self.error(ctx, 'session_token seems invalid', 401, 'ERROR_SESSION_TOKEN_INVALID', doc=False)
        session['last_used'] = self.now()
        return session

    # -- session endpoints -------------------------------------------------------------
    def authenticate(self, login, password, user_token):
        """Auth::login: the user token first (when enabled), then login/password."""
        users = self.config.get('users') or {}
        if php_truthy(user_token) and self.config.get('login_with_user_token', True):
            for name, user in users.items():
                stored = user.get('user_token')
                if stored and hmac.compare_digest(str(stored).encode(), str(user_token).encode()):
                    return name, user
        if php_truthy(login) and php_truthy(password):
            user = users.get(str(login))
            if user is not None and user.get('password') is not None and hmac.compare_digest(
                    str(user['password']).encode(), str(password).encode()):
                return str(login), user
        return None, None

    def init_session(self, ctx):
        self.check_app_token(ctx)
        params = ctx.params
        login, password, user_token = params.get('login'), params.get('password'), params.get('user_token')
        if (php_empty(login) or php_empty(password)) and php_empty(user_token):
            self.error(ctx, 'parameter(s) login, password or user_token are missing', 400,
                       'ERROR_LOGIN_PARAMETERS_MISSING')
        if php_empty(user_token) and not self.config.get('login_with_credentials', True):
            self.error(ctx, 'usage of initSession resource with credentials is disabled', 400,
                       'ERROR_LOGIN_WITH_CREDENTIALS_DISABLED', doc=False)
        name, user = self.authenticate(login, password, user_token)
        if user is None:
            self.count('failed_logins')
            if php_truthy(user_token):
                self.error(ctx, 'parameter user_token seems invalid', 401, 'ERROR_GLPI_LOGIN_USER_TOKEN', doc=False)
            self.error(ctx, 'Incorrect username or password', 401, 'ERROR_GLPI_LOGIN', doc=False)
        session = self.open_session(name, user)
        self.count('logins')
        data = {'session_token': session['token']}
        if php_truthy(params.get('get_full_session')):
            data['session'] = self.full_session(session)
        return self.respond(ctx, 200, data)

    def kill_session(self, ctx):
        session = self.init_endpoint(ctx)
        session['killed'] = True
        self.count('logouts')
        return self.respond(ctx, 200, True if self.flavour == 'glpi10' else None)

    def change_active_entities(self, ctx):
        session = self.init_endpoint(ctx)
        params = ctx.params
        entity_id = php_intval(params['entities_id']) if isset(params, 'entities_id') else 'all'
        recursive = params.get('is_recursive')
        if recursive is None:
            recursive = False
        elif not isinstance(recursive, bool):
            self.error(ctx)
        done = self.change_entities(session, entity_id, recursive)
        if done:
            self.count('entity_changes')
        if self.flavour == 'glpi10':
            return self.respond(ctx, 200, done)
        if not done:
            self.error(ctx)
        return self.respond(ctx, 200, True)

    def get_my_entities(self, ctx):
        session = self.init_endpoint(ctx)
        recursive = php_equals_one(ctx.params.get('is_recursive', False))
        found = []
        for entity in session['profiles'][session['active_profile']]['entities'].values():
            if entity['is_recursive'] == 1 and recursive:
                found += [{'id': e, 'name': self.complete_name(e)} for e in self.sons(entity['id'])
                          if e != entity['id']]
            found.append({'id': entity['id'], 'name': self.complete_name(entity['id'])})
        return self.respond(ctx, 200, {'myentities': found})

    def get_active_entities(self, ctx):
        session = self.init_endpoint(ctx)
        return self.respond(ctx, 200, {'active_entity': {
            'id': session['active_entity'],
            'active_entity_recursive': session['recursive'],
            'active_entities': [{'id': e} for e in session['active_entities']]}})

    def change_active_profile(self, ctx):
        session = self.init_endpoint(ctx)
        if not isset(ctx.params, 'profiles_id'):
            self.error(ctx)
        pid = php_intval(ctx.params['profiles_id'])
        if pid not in session['profiles']:
            self.error(ctx, 'Item not found', 404, 'ERROR_ITEM_NOT_FOUND', doc=False)
        self.change_profile(session, pid)
        self.count('profile_changes')
        return self.respond(ctx, 200, True if self.flavour == 'glpi10' else None)

    def get_my_profiles(self, ctx):
        session = self.init_endpoint(ctx)
        return self.respond(ctx, 200, {'myprofiles': [
            {'id': pid, 'name': p['name'], 'entities': list(p['entities'].values())}
            for pid, p in session['profiles'].items()]})

    def get_active_profile(self, ctx):
        session = self.init_endpoint(ctx)
        return self.respond(ctx, 200, {'active_profile': self.profile_body(session)})

    def get_full_session(self, ctx):
        session = self.init_endpoint(ctx)
        return self.respond(ctx, 200, {'session': self.full_session(session)})

    def lost_password(self, ctx):
        """API::lostPassword: no App-Token check; refused while a session is active. Asking
        answers the same whether the address is known or not (no user enumeration)."""
        params = ctx.params
        if not self.config.get('notifications_enabled', True):
            self.error(ctx, 'Email notifications are disabled')
        if not isset(params, 'email') and php_empty(params.get('password_forget_token')):
            self.error(ctx, 'email parameter missing')
        if ctx.session is not None:
            self.error(ctx, 'A session is active')
        users = self.config.get('users') or {}
        now = self.now()
        if not isset(params, 'password_forget_token'):
            email = str(params['email']).strip().lower()
            for login, user in users.items():
                if str(user.get('email') or '').lower() == email and email:
                    self.forget_tokens[login] = (hashlib.sha1(secrets.token_bytes(30)).hexdigest(), now)
                    break
            self.count('password_reset_requests')
            message = self.t('If the given email address match an exisiting %s user, you will receive an '
                             'email containing the informations required to reset your password. Please '
                             'contact your administrator if you do not receive any email.') % self.product()
            return self.respond(ctx, 200, [message])
        token = str(params['password_forget_token'])
        for login, (stored, issued) in list(self.forget_tokens.items()):
            if token and hmac.compare_digest(stored.encode(), token.encode()) and now - issued < DAY \
                    and login in users:
                password = params.get('password')
                if php_truthy(password):  # an empty password leaves the old one, as User::update does
                    users[login]['password'] = str(password)
                del self.forget_tokens[login]
                self.count('password_resets')
                return self.respond(ctx, 200, [self.t('Reset password successful.')])
        self.error(ctx, 'Your password reset request has expired or is invalid. Please renew it.')

    # -- items: something to act on for the roles --------------------------------------
    def items_endpoint(self, ctx, elements):
        itemtype = ITEMTYPES.get(elements[0].lower())
        if itemtype is None:
            self.error(ctx, 'resource not found or not an instance of CommonDBTM', 400,
                       'ERROR_RESOURCE_NOT_FOUND_NOR_COMMONDBTM')
        item_id = php_intval(elements[1]) if len(elements) > 1 and php_numeric(elements[1]) else None
        method = ctx.request.method
        if method == 'POST':
            return self.create_items(ctx, itemtype)
        if method in ('PUT', 'PATCH'):
            return self.update_items(ctx, itemtype, item_id)
        if method == 'DELETE':
            return self.delete_items(ctx, itemtype, item_id)
        if method not in ('GET', 'HEAD'):
            self.init_endpoint(ctx)
            self.error(ctx, 'Method Not Allowed', 405, 'ERROR_METHOD_NOT_ALLOWED')
        if item_id:
            return self.get_item(ctx, itemtype, item_id)
        return self.get_items(ctx, itemtype)

    def render_item(self, ctx, itemtype, item):
        fields = dict(item)
        links = [{'rel': 'Entity', 'href': '%s/Entity/%s' % (ctx.api_url, fields.get('entities_id', 0))}]
        if fields.get('users_id_recipient'):
            links.append({'rel': 'User', 'href': '%s/User/%s' % (ctx.api_url, fields['users_id_recipient'])})
        fields['links'] = links
        return fields

    def can_view(self, session, itemtype):
        bits = TICKET_VIEW if itemtype == 'Ticket' else READ
        return self.has_right(session, RIGHT_FIELD[itemtype], bits)

    def get_item(self, ctx, itemtype, item_id):
        session = self.init_endpoint(ctx)
        item = next((i for i in self.items.get(itemtype, []) if i['id'] == item_id), None)
        if item is None:
            self.error(ctx, 'Item not found', 404, 'ERROR_ITEM_NOT_FOUND', doc=False)
        if not self.can_view(session, itemtype) or item.get('entities_id') not in session['active_entities']:
            self.error(ctx, "You don't have permission to perform this action.", 403, 'ERROR_RIGHT_MISSING',
                       doc=False)
        return self.respond(ctx, 200, self.render_item(ctx, itemtype, item))

    def get_items(self, ctx, itemtype):
        session = self.init_endpoint(ctx)
        if not self.can_view(session, itemtype):
            self.error(ctx, "You don't have permission to perform this action.", 403, 'ERROR_RIGHT_MISSING',
                       doc=False)
        wanted = ctx.params.get('range', '0-15')
        match = re.fullmatch(r'(\d+)-(\d+)', str(wanted))
        if not match:
            self.error(ctx, 'range must be in format : [start-end] with integers', translate=False)
        start, end = int(match.group(1)), int(match.group(2))
        visible = [i for i in self.items.get(itemtype, []) if i.get('entities_id') in session['active_entities']
                   and not i.get('is_deleted')]
        total = len(visible)
        if start > total:
            self.error(ctx, 'Provided range exceed total count of data: %d' % total, 400,
                       'ERROR_RANGE_EXCEED_TOTAL', translate=False)
        page = [self.render_item(ctx, itemtype, i) for i in visible[start:end + 1]]
        end = min(end, total - 1)
        extra = [('Accept-Range', '%s 1000' % itemtype)]
        if total:
            extra.append(('Content-Range', '%d-%d/%d' % (start, end, total)))
        return self.respond(ctx, 206 if end - start + 1 < total else 200, page, extra)

    def create_items(self, ctx, itemtype):
        session = self.init_endpoint(ctx)
        given = ctx.params.get('input')
        multiple = not isinstance(given, dict)
        if not isinstance(given, (dict, list)):
            self.error(ctx, 'input parameter must be an array of objects', 400, 'ERROR_BAD_ARRAY')
        results, failed = [], 0
        for obj in ([given] if not multiple else given):
            obj = dict(obj) if isinstance(obj, dict) else {}
            entity = php_intval(obj.get('entities_id', session['active_entity']))
            if not self.has_right(session, RIGHT_FIELD[itemtype], CREATE) or entity not in session['active_entities']:
                failed += 1
                results.append({'id': False, 'message': self.t("You don't have permission to perform this action.")})
                continue
            rows = self.items.setdefault(itemtype, [])
            item = dict(obj, id=max([r['id'] for r in rows] + [0]) + 1, entities_id=entity, is_deleted=0)
            if itemtype == 'Ticket':
                item.setdefault('name', str(obj.get('content', ''))[:70])
                item.setdefault('status', 1)
                item['users_id_recipient'] = int(session['user'].get('id', 0))
            rows.append(item)
            self.count('changes')
            results.append({'id': item['id'], 'message': '%s: %s' % (self.t('Item successfully added'),
                                                                     item.get('name', ''))})
        if multiple:
            if results and failed == len(results):
                self.error(ctx, results, 400, 'ERROR_GLPI_ADD', doc=False)
            if failed:
                self.error(ctx, results, 207, 'ERROR_GLPI_PARTIAL_ADD', doc=False)
            link = ','.join('%s/%s/%s' % (ctx.api_url, itemtype, r['id']) for r in results if r['id'])
            return self.respond(ctx, 201, results, [('link', link)])
        if failed:
            self.error(ctx, results[0]['message'], 400, 'ERROR_GLPI_ADD', doc=False, translate=False)
        return self.respond(ctx, 201, results[0], [('location', '%s/%s/%s' % (ctx.api_url, itemtype,
                                                                              results[0]['id']))])

    def item_inputs(self, ctx, item_id):
        """The objects of `input` to update or delete: the item of the URL, or a list with ids."""
        given = ctx.params.get('input')
        if item_id:
            return [dict(given, id=item_id) if isinstance(given, dict) else {'id': item_id}]
        if isinstance(given, dict):
            given = [given]
        if not isinstance(given, list) or not given:
            self.error(ctx, 'input parameter must be an array of objects', 400, 'ERROR_BAD_ARRAY')
        return [dict(obj) if isinstance(obj, dict) else {} for obj in given]

    def apply_each(self, ctx, itemtype, item_id, right, change, code):
        """API::updateItems / deleteItems: one [{"<id>": bool, "message"}] per input, 207 when
        some failed, 400 <code> when all did."""
        session = self.init_endpoint(ctx)
        rows = self.items.setdefault(itemtype, [])
        results, failed = [], 0
        for obj in self.item_inputs(ctx, item_id):
            wanted = php_intval(obj.get('id'))
            item = next((r for r in rows if r['id'] == wanted), None)
            if item is None:
                failed += 1
                results.append({str(wanted): False, 'message': self.t('Item not found')})
                continue
            if not self.has_right(session, RIGHT_FIELD[itemtype], right) \
                    or item.get('entities_id') not in session['active_entities']:
                failed += 1
                results.append({str(wanted): False,
                                'message': self.t("You don't have permission to perform this action.")})
                continue
            change(rows, item, obj)
            self.count('changes')
            results.append({str(wanted): True, 'message': ''})
        if failed == len(results):
            self.error(ctx, results, 400, code, doc=False)
        return self.respond(ctx, 207 if failed else 200, results)

    def update_items(self, ctx, itemtype, item_id):
        def change(rows, item, obj):
            item.update((k, v) for k, v in obj.items() if k not in ('id', 'entities_id'))
        return self.apply_each(ctx, itemtype, item_id, UPDATE, change, 'ERROR_GLPI_UPDATE')

    def delete_items(self, ctx, itemtype, item_id):
        """Without force_purge an item goes to the trash (is_deleted 1), with it it is gone."""
        purge = php_truthy(ctx.params.get('force_purge'))

        def change(rows, item, obj):
            if purge:
                rows.remove(item)
            else:
                item['is_deleted'] = 1
        return self.apply_each(ctx, itemtype, item_id, PURGE if purge else DELETE, change, 'ERROR_GLPI_DELETE')


def not_found(request):
    """What the PHP built-in server answers for a path outside apirest.php."""
    body = ('<!doctype html><html><head><title>404 Not Found</title></head><body><h1>Not Found</h1>'
            '<p>The requested resource <code class="url">%s</code> was not found on this server.</p>'
            '</body></html>' % html.escape(request.path))
    return Reply(404, body, [('Connection', 'close')], content_type='text/html; charset=UTF-8')
