<?php

/**
 * mailsec: the mailbox owner's side of pam_mailsec in Roundcube 1.6.
 *
 * - Login: a "Verification code" field, appended to the password (the
 *   webmail PAM stack's code=append), and the browser's address sent to
 *   Dovecot before LOGIN (IMAP ID x-originating-ip: PAM_RHOST).
 * - Settings > Two-factor Authentication and Non-Webmail Access (its three
 *   settings, and the app passwords: list, create, revoke), and Recent
 *   activity (the module's journal of logins, activity.php).
 * - A webmail session that IMAP no longer accepts (mailsecctl logout, idle
 *   time, another address) ends at once, on the login page with a message,
 *   instead of going on with failing requests; `mailsecctl self` confirms
 *   the refusal first, so that the server's own trouble ends no session.
 *
 * All decisions are taken by `mailsecctl self` (mailsecctl(8),
 * SELF-SERVICE), run through sudo with the stored login string on stdin;
 * this plugin only passes it on and shows the JSON that comes back.
 *
 * Config: $config['mailsec_ctl'] = ['/usr/bin/sudo', '-n', '/usr/sbin/mailsecctl'];
 * $config['mailsec_help_url']: where "Learn more" leads (conf/roundcube/README.md).
 * $config['mailsec_app_imap_host'], ['mailsec_app_smtp_host'] and their
 * ports: the servers a mail app is told to use with a new app password.
 * Every text the owner sees is in localization/LANG.inc.
 */
require_once __DIR__ . '/activity.php';

class mailsec extends rcube_plugin
{
    /** @var array|null JSON of this request's action, shown on the page */
    private $result;
    /** @var string|null what the result is: enroll, codes, apppassword */
    private $shown;
    /** mailsecctl's exit status: saved, live sessions not ended */
    const SESSIONS_LEFT = 7;

    /** @var bool a change saved whose open connections were not closed */
    private $sessions_left = false;

    /** @var int|null exit status of the last refused `mailsecctl self` */
    private $refusal;

    /** Non-webmail access: the command's word for each of status's. */
    const MODES = ['enabled' => 'enable', 'app-passwords' => 'app-passwords', 'disabled' => 'disable'];
    /** The services an app password may be made for, as `--services` names them. */
    const APP_SERVICES = ['imap', 'pop3', 'smtp'];

    /** RFC 5530 codes of a refused LOGIN (Dovecot: AUTHENTICATIONFAILED);
     *  others, such as UNAVAILABLE, are the server's trouble, not a refusal. */
    const REFUSED = ['AUTHENTICATIONFAILED', 'AUTHORIZATIONFAILED', 'EXPIRED'];

    /** Seconds a run of `mailsecctl self` may take: its own bounds are 5 s
     *  for standard input (written at once here), 3 s for a lock and 10 s
     *  for kick_command after the change (mailsec.conf's kick_timeout, at
     *  most 10), with a password hash or two on top. Stopped earlier, it
     *  may have saved a change this plugin then reports as not made. */
    const SELF_TIMEOUT = 20;

    function init()
    {
        $this->add_hook('startup', [$this, 'startup']);
        $this->add_hook('loginform_content', [$this, 'login_form']);
        $this->add_hook('authenticate', [$this, 'authenticate']);
        $this->add_hook('storage_connect', [$this, 'storage_connect']);
        $this->add_hook('preferences_sections_list', [$this, 'sections']);
        $this->add_hook('preferences_list', [$this, 'prefs_list']);
        $this->add_hook('preferences_save', [$this, 'prefs_save']);
        $this->add_hook('render_page', [$this, 'render_page']);
    }

    /** Roundcube's Save button would save nothing in these sections (each
     *  action is a button of its own): it is left out of the page, so that
     *  Elastic does not copy it into the phone layout's toolbar either. */
    function render_page($args)
    {
        $section = rcube_utils::get_input_string('_section', rcube_utils::INPUT_GPC);
        if ($args['template'] == 'settingsedit' && $this->is_ours($section)) {
            $args['content'] = preg_replace('#<div class="formbuttons">.*?</div>#s', '',
                $args['content'], 1);
        }
        return $args;
    }

    private function is_ours($section)
    {
        return in_array($section, ['mailsec2fa', 'mailsecaccess', 'mailsecactivity'], true);
    }

    /** The code row looks like the user and password rows (Elastic puts
     *  the data-icon and the label, as placeholder, in the field); the line
     *  under the table says when to leave it empty. */
    function login_form($form)
    {
        $this->add_texts('localization/');
        $input = new html_inputfield([
                'name' => '_mailsec_code', 'id' => 'rcmloginmailseccode',
                'class' => 'form-control', 'autocomplete' => 'one-time-code',
                'size' => 40, 'maxlength' => 16, 'data-icon' => 'key',
                'placeholder' => $this->gettext('code'),
                'aria-describedby' => 'mailsec-code-hint',
        ]);
        $form['inputs']['mailsec_code'] = [
            'title'   => html::label('rcmloginmailseccode', rcube::Q($this->gettext('code'))),
            'content' => $input->show(),
        ];
        // A row without an input would stop Elastic's login-form script:
        // the hint goes before the buttons, just under the code field.
        $hint = ['outterclass' => 'mailsec-hint form-text text-muted',
            'content' => html::span(['id' => 'mailsec-code-hint'], rcube::Q($this->gettext('codehint')))];
        $form['buttons'] = ['mailsec_hint' => $hint] + (array) $form['buttons'];
        return $form;
    }

    /** code=append: one string for Dovecot; remember how long the code was. */
    function authenticate($args)
    {
        $code = $this->typed_code('_mailsec_code');
        $_SESSION['mailsec_code_len'] = strlen($code);
        $args['pass'] .= $code;
        return $args;
    }

    /** Before LOGIN, from a login_trusted_networks host: PAM_RHOST.
     *  Within a session, a first attempt asks Roundcube for a second one:
     *  the hook then runs after the failure and can see why it failed. */
    function storage_connect($args)
    {
        $args['preauth_ident'] = array_merge((array) ($args['preauth_ident'] ?? []),
            ['x-originating-ip' => rcube_utils::remote_addr()]);
        if (!$this->in_session()) {
            return $args;
        }
        if ($args['attempt'] == 1) {
            $args['retry'] = true;
            return $args;
        }
        if ($this->login_refused() && $this->refusal_confirmed()) {
            $this->end_session();
        }
        // Anything else (network, server trouble): no second LOGIN, and
        // Roundcube's own errors for this request; the session stays.
        $args['retry'] = false;
        return $args;
    }

    /** A logged-in request; not a login or logout, whose refusals are
     *  Roundcube's own to show. */
    private function in_session()
    {
        $rcmail = rcmail::get_instance();
        return !empty($rcmail->user->ID) && $rcmail->output
            && !in_array($rcmail->task, ['login', 'logout']);
    }

    private function login_refused()
    {
        $imap = rcmail::get_instance()->get_storage();
        return $imap->get_error_code() == rcube_imap_generic::ERROR_NO
            && in_array($imap->conn->resultcode, self::REFUSED);
    }

    /** Dovecot's passdb-pam reports pam_mailsec's own failures (an invalid
     *  mailsec.conf, a missing users_dir, a full disk) as AUTHENTICATIONFAILED
     *  too, so IMAP's word alone would end every session at once. `self
     *  status` runs the same stack with the same string and tells them
     *  apart: exit 1 is a refused credential; 5 and 6 are the server's
     *  trouble, 0 a login that passes again. */
    private function refusal_confirmed()
    {
        $run = $this->run_self(['status'], [rcmail::get_instance()->get_user_password()]);
        // sudo exits 1 too (no sudoers line, a password asked for): only
        // with mailsecctl's own error line is a 1 its refusal.
        if ($run['status'] === 1 && preg_match('/^mailsecctl: /m', $run['err'])) {
            return true;
        }
        rcube::write_log('errors', 'mailsec: IMAP refused the session\'s login, self status did not'
            . ' (exit ' . ($run['status'] ?? 'none') . '): ' . trim($run['err']) . '; session kept');
        return false;
    }

    /** The stored password+code is no longer accepted: every later request
     *  would fail the same way, and each refused LOGIN is one more failure
     *  on the server. The session ends here; the login page says why. */
    private function end_session()
    {
        $rcmail = rcmail::get_instance();
        if ($rcmail->config->get('log_logins')) {
            rcube::write_log('userlogins', sprintf('mailsec: session of %s from %s ended: IMAP refused its login',
                $rcmail->get_user_name(), rcube_utils::remote_addr()));
        }
        $rcmail->kill_session();
        $_SESSION['mailsec_ended'] = true;
        $this->to_login();
    }

    /** The way index.php sends a request without a session to the login:
     *  a redirect for a page, session_error for AJAX and frames (the
     *  compose form is kept in the browser's local storage there). */
    private function to_login()
    {
        $rcmail = rcmail::get_instance();
        $output = $rcmail->output;
        $login = ['_task' => 'login'];
        if (!$output->ajax_call && !$output->get_env('framed')) {
            $output->redirect($login);
        }
        $output->reset();
        $this->add_texts('localization/');
        $output->show_message('mailsec.sessionended', 'warning');
        $output->command('session_error', $rcmail->url($login));
        if ($output->ajax_call) {
            $output->send();
        }
        $output->send('iframe');
    }

    /** After end_session: the message on the login page, once. Until then
     *  any other request (another tab, a request already under way) is sent
     *  there too, rather than to Roundcube's "session invalid" error. */
    function startup($args)
    {
        $rcmail = rcmail::get_instance();
        if (empty($_SESSION['mailsec_ended']) || !empty($rcmail->user->ID)) {
            return $args;
        }
        if ($args['action'] == 'login') {
            unset($_SESSION['mailsec_ended']);
            return $args;
        }
        $task = rcube_utils::get_input_string('_task', rcube_utils::INPUT_GPC);
        if ($rcmail->output->ajax_call || $rcmail->output->get_env('framed') || ($task && $task != 'login')) {
            $this->to_login();
        }
        unset($_SESSION['mailsec_ended']);
        $this->add_texts('localization/');
        $rcmail->output->show_message('mailsec.sessionended', 'warning', null, true, -1);
        return $args;
    }

    function sections($args)
    {
        $this->add_texts('localization/');
        $args['list']['mailsec2fa'] = ['id' => 'mailsec2fa', 'section' => $this->gettext('twofactor')];
        $args['list']['mailsecaccess'] = ['id' => 'mailsecaccess', 'section' => $this->gettext('nonwebmail')];
        $args['list']['mailsecactivity'] = ['id' => 'mailsecactivity', 'section' => $this->gettext('activity')];
        return $args;
    }

    function prefs_save($args)
    {
        if (!$this->is_ours($args['section'])) {
            return $args;
        }
        $this->add_texts('localization/');
        $do = rcube_utils::get_input_string('_mailsec_do', rcube_utils::INPUT_POST);
        if (strpos((string) $do, 'apprevoke:') === 0) {
            // One Revoke button per app password: its value names it.
            $_POST['_mailsec_name'] = substr($do, strlen('apprevoke:'));
            $do = 'apprevoke';
        }
        $fresh = $this->typed_code('_mailsec_code');
        $stored = rcmail::get_instance()->get_user_password();
        $password = substr($stored, 0, strlen($stored) - (int) ($_SESSION['mailsec_code_len'] ?? 0));
        $relogin = false;

        switch ($args['section'] . '/' . $do) {
        case 'mailsec2fa/enroll':
            $out = $this->ctl(['2fa', 'enroll'], [$stored]);
            if ($out) {
                $_SESSION['mailsec_enroll'] = $out;
                $this->shown = 'enroll';
            }
            break;
        case 'mailsec2fa/confirm':
            $out = $this->ctl(['2fa', 'confirm', '-'], [$stored, $fresh]);
            if ($out) {
                unset($_SESSION['mailsec_enroll']);
                $this->shown = 'codes';
                $relogin = true;
            }
            else if (!empty($_SESSION['mailsec_enroll'])) {
                $this->shown = 'enroll';
            }
            break;
        case 'mailsec2fa/disable':
            $out = $this->ctl(['2fa', 'disable'], [$password . $fresh]);
            if ($out) {
                // Sessions ended; the password alone logs in from now on.
                $_SESSION['password'] = rcmail::get_instance()->encrypt($password);
                $_SESSION['mailsec_code_len'] = 0;
            }
            break;
        case 'mailsec2fa/recovery':
            $out = $this->ctl(['2fa', 'recovery'], [$password . $fresh]);
            if ($out) {
                $this->shown = 'codes';
                $relogin = true;
            }
            break;
        case 'mailsecaccess/access':
            $out = $this->save_access($stored, $password . $fresh);
            break;
        case 'mailsecaccess/appadd':
            $out = $this->add_app_password($stored, $password . $this->typed_code('_mailsec_appcode'));
            break;
        case 'mailsecaccess/apprevoke':
            $name = (string) rcube_utils::get_input_string('_mailsec_name', rcube_utils::INPUT_POST);
            // No app password's name starts with "-": mailsecctl would read
            // it as an option (--all).
            if ($name === '' || $name[0] == '-') {
                $this->refusal = 5;
                $out = null;
            } else {
                $out = $this->ctl($this->self_command('app-revoke', $name), [$stored]);
            }
            break;
        default:
            // The section's own Save button: nothing to save.
            $args['abort'] = true;
            $args['result'] = true;
            return $args;
        }

        if ($out && $this->sessions_left) {
            // Before Roundcube's "Successfully saved": both are shown.
            rcmail::get_instance()->output->show_message('mailsec.sessionsleft', 'warning', null, true, 15);
        }
        if ($out) {
            $this->result = $out;
            if ($relogin) {
                // These end every webmail session: the stored string is
                // no longer accepted, so the next page must be the login.
                $_SESSION['mailsec_relogin'] = true;
            }
        }
        $args['abort'] = true;
        $args['result'] = (bool) $out;
        // shown only when refused
        $args['message'] = [4 => 'mailsec.nametaken', 5 => 'mailsec.invalid'][$this->refusal] ?? 'mailsec.refused';
        return $args;
    }

    function prefs_list($args)
    {
        if (!$this->is_ours($args['section'])) {
            return $args;
        }
        $this->add_texts('localization/');
        if (empty($args['current'])) {
            // Only listed: a section without options is left out.
            $args['blocks']['main'] = $this->block('twofactor', ['']);
            return $args;
        }

        $this->include_stylesheet('settings.css');
        if ($args['section'] == 'mailsecactivity') {
            $args['blocks'] = ['main' => $this->activity_block()];
            return $args;
        }
        if (!empty($_SESSION['mailsec_relogin'])) {
            $status = null;
        }
        else {
            $status = $this->ctl(['status'], [rcmail::get_instance()->get_user_password()]);
        }
        $blocks = [];
        if ($this->shown == 'codes') {
            $codes = '';
            foreach ((array) $this->result['recovery_codes'] as $code) {
                $codes .= html::tag('li', null, html::tag('code', null, rcube::Q($code)));
            }
            $codes = html::tag('ul', ['id' => 'mailsec-recovery-codes'], $codes);
            $blocks['codes'] = $this->block('recoverycodes', [
                    html::p(null, rcube::Q($this->gettext('recoverynote'))) . $codes,
                    html::p(null, rcube::Q($this->gettext('relogin')) . ' ' .
                        html::a(['href' => './?_task=logout&_token=' . rcmail::get_instance()->get_request_token(),
                            'target' => '_top', 'id' => 'mailsec-relogin', 'class' => 'button'],
                            rcube::Q($this->gettext('signinagain')))),
            ]);
            $args['blocks'] = $blocks;
            return $args;
        }
        if ($this->shown == 'apppassword') {
            $args['blocks'] = ['main' => $this->new_app_password_block($this->result)];
            return $args;
        }
        if (!$status) {
            $blocks['main'] = $this->block($args['section'] == 'mailsec2fa' ? 'twofactor' : 'nonwebmail',
                [html::p('mailsec-error', rcube::Q($this->gettext(
                    empty($_SESSION['mailsec_relogin']) ? 'unavailable' : 'relogin')))]);
            $blocks['main']['options']['help'] = ['content' => $this->help_link($args['section'])];
            $args['blocks'] = $blocks;
            return $args;
        }

        $twofa = $status['2fa'] == 'enabled';
        if ($args['section'] == 'mailsec2fa') {
            if ($this->shown == 'enroll' && !$twofa) {
                $e = $_SESSION['mailsec_enroll'];
                $img = html::img(['src' => 'data:image/svg+xml;base64,' . base64_encode($e['qr_svg']),
                    'alt' => $this->gettext('qrcode'), 'id' => 'mailsec-qr', 'width' => 200, 'height' => 200]);
                $blocks['main'] = $this->block('twofactor', [
                        html::p(null, rcube::Q($this->gettext('scannote'))) . $img,
                        html::p(null, rcube::Q($this->gettext('secret')) . ' ' .
                            html::tag('code', ['id' => 'mailsec-secret'], rcube::Q($e['secret']))),
                        $this->code_field('firstcode') . $this->button('confirm', 'confirm', true),
                ]);
            }
            else if ($twofa) {
                $blocks['main'] = $this->block('twofactor', [
                        html::p('mailsec-state', rcube::Q($this->gettext('twofaon')) . ' ' .
                            rcube::Q($this->gettext(['name' => 'codesleft',
                                'vars' => ['n' => (int) $status['recovery_codes_left']]]))),
                        $this->no_enter() . $this->code_field('freshcode')
                            . $this->button('disable', 'disable')
                            . $this->button('recovery', 'newcodes'),
                ]);
            }
            else {
                $blocks['main'] = $this->block('twofactor', [
                        html::p('mailsec-state', rcube::Q($this->gettext('twofaoff'))),
                        $this->button('enroll', 'enable', true),
                ]);
            }
        }
        else {
            $mode = $this->access_mode($status);
            $blocks['main'] = $this->access_block($mode, $twofa);
            $blocks['apps'] = $this->app_passwords_block($mode, $twofa);
        }
        $blocks['main']['options']['help'] = ['content' => $this->help_link($args['section'])];
        $args['blocks'] = $blocks;
        return $args;
    }

    /** The `mailsecctl self` words of each request this section makes
     *  (mailsecctl(8) SELF-SERVICE); MAILBOX and --rhost are run_self's. */
    private function self_command($action, ...$args)
    {
        switch ($action) {
        case 'access':
            return ['non-webmail', $args[0]];
        case 'app-add':
            return ['app-password', 'add', $args[0], '--services', $args[1]];
        case 'app-list':
            return ['app-password', 'list'];
        case 'app-revoke':
            return ['app-password', 'revoke', $args[0]];
        case 'activity':
            return ['activity'];
        }
        throw new InvalidArgumentException("mailsec: no command $action");
    }

    /** enabled, app-passwords or disabled; a mailsecctl without the
     *  third setting says only whether access is on. */
    private function access_mode(array $status)
    {
        $mode = $status['non_webmail'] ?? null;
        if (!isset(self::MODES[$mode])) {
            $mode = empty($status['non_webmail_access']) ? 'disabled' : 'enabled';
        }
        return $mode;
    }

    /** The setting chosen. With 2FA on, "On" loosens it: the password and
     *  a fresh code, not the stored string. So does "App passwords only"
     *  from "Off" (its app passwords work again): with a code typed, that
     *  one goes with the password; from "On" the stored string will do. */
    private function save_access($stored, $fresh_line)
    {
        $mode = rcube_utils::get_input_string('_mailsec_mode', rcube_utils::INPUT_POST);
        if (!in_array($mode, self::MODES, true)) {
            $this->refusal = 5;
            return null;
        }
        $typed = $this->typed_code('_mailsec_code') !== '';
        $fresh = $mode == 'enable' || ($mode == 'app-passwords' && $typed);
        $line = $fresh && $_SESSION['mailsec_code_len'] ? $fresh_line : $stored;
        return $this->ctl($this->self_command('access', $mode), [$line]);
    }

    /** A new app password hands out lasting access: with 2FA on, the
     *  password and a fresh code. Its JSON is shown on this page only. */
    private function add_app_password($stored, $fresh_line)
    {
        $name = trim((string) rcube_utils::get_input_string('_mailsec_appname', rcube_utils::INPUT_POST));
        $services = array_values(array_intersect(self::APP_SERVICES,
            (array) rcube_utils::get_input_value('_mailsec_services', rcube_utils::INPUT_POST)));
        // A name that starts with "-" would be read as an option.
        if ($name === '' || $name[0] == '-' || !$services) {
            $this->refusal = 5;
            return null;
        }
        $line = $_SESSION['mailsec_code_len'] ? $fresh_line : $stored;
        $out = $this->ctl($this->self_command('app-add', $name, implode(',', $services)), [$line]);
        if ($out) {
            $this->shown = 'apppassword';
        }
        return $out;
    }

    /** The three settings, each with what a mail app can do in it. */
    private function access_block($mode, $twofa)
    {
        $states = ['enabled' => 'accesson', 'app-passwords' => 'accessapp', 'disabled' => 'accessoff'];
        $notes = ['enabled' => 'modeenable', 'app-passwords' => 'modeapp', 'disabled' => 'modedisable'];
        $choices = '';
        foreach (self::MODES as $state => $word) {
            $radio = new html_radiobutton(['name' => '_mailsec_mode', 'value' => $word,
                'id' => "mailsec-mode-$word"]);
            $choices .= html::div('mailsec-mode', $radio->show(self::MODES[$mode]) . ' '
                . html::label("mailsec-mode-$word", html::tag('strong', null,
                    rcube::Q($this->gettext($notes[$state] . 'title'))) . ' '
                    . rcube::Q($this->gettext($notes[$state]))));
        }
        return $this->block('nonwebmail', [
                // Enter in the name or code fields below must not change a setting.
                $this->no_enter() . html::p('mailsec-state', rcube::Q($this->gettext($states[$mode]))),
                $choices,
                html::p('mailsec-warning', rcube::Q($this->gettext('accesswarning'))),
                ($twofa ? $this->code_field('enablecode') : '') . $this->button('access', 'apply', true),
        ]);
    }

    /** The app passwords (never a password: the list has none), and the
     *  form that makes one. */
    private function app_passwords_block($mode, $twofa)
    {
        $list = $this->ctl($this->self_command('app-list'), [rcmail::get_instance()->get_user_password()]);
        $rows = [html::p('mailsec-appnote', rcube::Q($this->gettext('appnote')))];
        if ($mode == 'disabled') {
            $rows[] = html::p('mailsec-warning', rcube::Q($this->gettext('appsoff')));
        }
        if ($list === null) {
            $rows[] = html::p('mailsec-error', rcube::Q($this->gettext('unavailable')));
        }
        else if (!$list) {
            $rows[] = html::p(['id' => 'mailsec-app-none'], rcube::Q($this->gettext('appnone')));
        }
        else {
            $rows[] = $this->app_password_table($list);
        }
        $name = new html_inputfield(['name' => '_mailsec_appname', 'id' => 'mailsec-appname',
            'class' => 'form-control', 'size' => 30, 'maxlength' => 64, 'autocomplete' => 'off']);
        $services = '';
        foreach (self::APP_SERVICES as $service) {
            $box = new html_checkbox(['name' => '_mailsec_services[]', 'value' => $service,
                'id' => "mailsec-service-$service"]);
            $services .= $box->show($service) . ' '
                . html::label("mailsec-service-$service", rcube::Q(strtoupper($service))) . ' ';
        }
        $rows[] = html::tag('h4', null, rcube::Q($this->gettext('newapppassword')))
            . html::p(null, html::label('mailsec-appname', rcube::Q($this->gettext('appnamelabel'))) . ' ' . $name->show())
            . html::p(null, rcube::Q($this->gettext('appserviceslabel')) . ' ' . $services)
            . ($twofa ? $this->code_field('freshcode', '_mailsec_appcode', 'mailsec-appcode') : '')
            . $this->button('appadd', 'create');
        return $this->block('apppasswords', $rows);
    }

    private function app_password_table(array $list)
    {
        $head = '';
        foreach (['appname', 'appservices', 'appcreated', 'applastused', 'appexpires'] as $label) {
            $head .= html::tag('th', null, rcube::Q($this->gettext($label)));
        }
        $body = '';
        foreach ($list as $i => $entry) {
            $name = (string) $entry['name'];
            $revoke = $this->button("apprevoke:$name", 'revoke', false, ['id' => "mailsec-revoke-$i",
                'onclick' => 'return confirm(' . json_encode($this->gettext(['name' => 'revokeconfirm',
                    'vars' => ['name' => $name]])) . ')']);
            $cells = [$name, strtoupper(implode(', ', $this->services_of($entry))),
                $this->when($entry['created'] ?? null), $this->last_use($entry),
                $this->when($entry['expires'] ?? null)];
            $row = '';
            foreach ($cells as $cell) {
                $row .= html::tag('td', null, rcube::Q($cell));
            }
            $body .= html::tag('tr', ['class' => 'mailsec-app'], $row . html::tag('td', null, $revoke));
        }
        return html::tag('table', ['id' => 'mailsec-app-passwords'],
            html::tag('thead', null, html::tag('tr', null, $head . html::tag('th', null, '')))
            . html::tag('tbody', null, $body));
    }

    private function services_of(array $entry)
    {
        $services = $entry['services'] ?? [];
        return is_array($services) ? $services : explode(',', (string) $services);
    }

    /** A time of mailsecctl's JSON in the user's time zone, or "never". */
    private function when($time)
    {
        return $time ? rcmail::get_instance()->format_date($time, 'Y-m-d H:i') : $this->gettext('never');
    }

    /** "TIME from ADDRESS (SERVICE)" of a list entry, or "never". */
    private function last_use(array $entry)
    {
        if (empty($entry['last_used'])) {
            return $this->gettext('never');
        }
        return $this->gettext(['name' => 'lastusedat', 'vars' => ['time' => $this->when($entry['last_used']),
            'address' => (string) ($entry['last_rhost'] ?? ''),
            'service' => strtoupper((string) ($entry['last_service'] ?? ''))]]);
    }

    /** The new app password, this once: it is in this response only (not
     *  in the session), so it is gone once the owner leaves the page. */
    private function new_app_password_block(array $out)
    {
        $copy = html::tag('button', ['type' => 'button', 'id' => 'mailsec-copy', 'class' => 'button',
            'data-done' => $this->gettext('copied'), 'onclick' => self::COPY_SCRIPT],
            rcube::Q($this->gettext('copy')));
        $done = html::a(['href' => './?_task=settings&_action=edit-prefs&_section=mailsecaccess&_framed=1',
            'id' => 'mailsec-app-done', 'class' => 'button mainaction'], rcube::Q($this->gettext('done')));
        return $this->block('newapppassword', [
                html::p(null, rcube::Q($this->gettext(['name' => 'appshown', 'vars' => ['name' => $out['name']]]))),
                html::p(null, html::tag('code', ['id' => 'mailsec-app-password'], rcube::Q($out['password']))
                    . ' ' . $copy),
                html::p(null, html::tag('strong', null, rcube::Q($this->gettext('appsettings'))))
                    . $this->app_settings($this->services_of($out)),
                html::p(null, rcube::Q($this->gettext('appshownonce'))) . $done,
        ]);
    }

    /** Selects the password (for copying by hand too) and copies it. */
    const COPY_SCRIPT = "var b=this,t=document.getElementById('mailsec-app-password'),r=document.createRange();"
        . "r.selectNodeContents(t);getSelection().removeAllRanges();getSelection().addRange(r);"
        . "(navigator.clipboard?navigator.clipboard.writeText(t.textContent):Promise.resolve(document.execCommand('copy')))"
        . ".then(function(){b.textContent=b.dataset.done})";

    /** What a mail app asks for: the user, and each server the password
     *  may be used on (mailsec_app_* options; port 0 leaves one out). */
    private function app_settings(array $services)
    {
        $config = rcmail::get_instance()->config;
        $host = rcube_utils::server_name();
        $imap = $config->get('mailsec_app_imap_host') ?: $host;
        $smtp = $config->get('mailsec_app_smtp_host') ?: $host;
        $servers = [
            ['imap', 'incoming', $imap, $config->get('mailsec_app_imap_port', 993), 'SSL/TLS'],
            ['pop3', 'incomingpop', $config->get('mailsec_app_pop3_host') ?: $imap,
                $config->get('mailsec_app_pop3_port', 995), 'SSL/TLS'],
            ['smtp', 'outgoing', $smtp, $config->get('mailsec_app_smtp_port', 465), 'SSL/TLS'],
            ['smtp', 'outgoing', $smtp, $config->get('mailsec_app_submission_port', 587), 'STARTTLS'],
        ];
        $items = html::tag('li', null, rcube::Q($this->gettext(['name' => 'appuser',
            'vars' => ['user' => (string) $_SESSION['username']]])));
        foreach ($servers as [$service, $label, $server, $port, $security]) {
            if (in_array($service, $services) && $port) {
                $items .= html::tag('li', null, html::tag('strong', null, rcube::Q($this->gettext($label)))
                    . ' ' . rcube::Q($this->gettext(['name' => 'appserver',
                        'vars' => ['host' => $server, 'port' => (int) $port, 'security' => $security]])));
            }
        }
        return html::tag('ul', ['id' => 'mailsec-app-settings'], $items);
    }

    /** The article of each section: help/LANG/PAGE.html in this plugin
     *  (#PART: a part of the page, on the plugin's own pages only). */
    const HELP_PAGES = ['mailsec2fa' => 'two-factor-authentication', 'mailsecaccess' => 'non-webmail-access',
        'mailsecactivity' => 'two-factor-authentication#recent-activity'];

    private function help_link($section)
    {
        return html::p('mailsec-help', html::a(['href' => $this->help_url(self::HELP_PAGES[$section]),
            'target' => '_blank', 'rel' => 'noopener', 'id' => 'mailsec-help'],
            rcube::Q($this->gettext('learnmore'))));
    }

    /** mailsec_help_url: one URL for both articles, or one per page name;
     *  otherwise the page this plugin ships, in the user's language when
     *  it has one. */
    private function help_url($page)
    {
        [$page, $part] = explode('#', $page . '#', 2);
        $url = rcmail::get_instance()->config->get('mailsec_help_url');
        if (is_array($url)) {
            $url = $url[$page] ?? null;
        }
        if (is_string($url) && $url !== '') {
            return $url;
        }
        $lang = rcmail::get_instance()->get_user_language();
        if (!preg_match('/^[a-z]{2,3}(_[A-Z]{2})?$/', (string) $lang)
                || !is_file($this->home . "/help/$lang/$page.html")) {
            $lang = 'en_US';
        }
        return $this->urlbase . "help/$lang/$page.html" . rtrim("#$part", '#');
    }

    /** Recent activity: what the list shows and how to react, the list
     *  (`self activity`), and Learn more. */
    private function activity_block()
    {
        $rows = [html::p('mailsec-activitynote', rcube::Q($this->gettext('activitynote'))),
            html::p('mailsec-activitynote', rcube::Q($this->gettext('activityadvice')))];
        if (!empty($_SESSION['mailsec_relogin'])) {
            $rows[] = html::p('mailsec-error', rcube::Q($this->gettext('relogin')));
        }
        else {
            $list = $this->ctl($this->self_command('activity'), [rcmail::get_instance()->get_user_password()]);
            $rows[] = $list === null ? html::p('mailsec-error', rcube::Q($this->gettext('activityunavailable')))
                : $this->activity_table()->html($list);
        }
        $rows[] = $this->help_link('mailsecactivity');
        return $this->block('activity', $rows);
    }

    private function activity_table()
    {
        $rcmail = rcmail::get_instance();
        return new mailsec_activity([$this, 'gettext'],
            function ($time, $format) use ($rcmail) { return $rcmail->format_date($time, $format); });
    }

    /** `mailsecctl self`'s JSON object, or null when refused. Exit 7 is
     *  a change saved whose open IMAP/POP3 connections were not closed
     *  (kick_command failed): done, with a warning (sessions_left). */
    private function ctl(array $command, array $lines)
    {
        $run = $this->run_self($command, $lines);
        $saved = in_array($run['status'], [0, self::SESSIONS_LEFT], true);
        $json = $saved ? json_decode($run['out'], true) : null;
        if (is_array($json) && $run['status'] === self::SESSIONS_LEFT) {
            $this->sessions_left = true;
            rcube::write_log('errors', 'mailsec: ' . implode(' ', $command) . ': ' . trim($run['err']));
        }
        if (!is_array($json)) {
            $this->refusal = $run['status'];
            // mailsecctl never prints a credential (mailsecctl(8))
            rcube::write_log('errors', 'mailsec: ' . implode(' ', $command)
                . ': exit ' . ($run['status'] ?? 'none') . ': ' . trim($run['err']));
            return null;
        }
        return $json;
    }

    /** Runs `mailsecctl self MAILBOX COMMAND --rhost IP` (argv, no shell),
     *  LINES on stdin, for at most SELF_TIMEOUT seconds: its exit status
     *  (null: not started, or stopped at the deadline), stdout and stderr. */
    private function run_self(array $command, array $lines)
    {
        $rcmail = rcmail::get_instance();
        $argv = array_merge(
            (array) $rcmail->config->get('mailsec_ctl', ['/usr/bin/sudo', '-n', '/usr/sbin/mailsecctl']),
            ['self', (string) $_SESSION['username']], $command, ['--rhost', rcube_utils::remote_addr()]);
        $env = ['PATH' => '/usr/sbin:/usr/bin:/sbin:/bin', 'LC_ALL' => 'C'];
        if ($config = $rcmail->config->get('mailsec_config')) {
            $env['MAILSEC_CONFIG'] = $config;   // only where not run through sudo
        }
        $proc = proc_open($argv, [0 => ['pipe', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']],
            $pipes, null, $env);
        if (!is_resource($proc)) {
            rcube::raise_error(['code' => 500, 'message' => 'mailsec: cannot run ' . $argv[0]], true);
            return ['status' => null, 'out' => '', 'err' => 'cannot run ' . $argv[0]];
        }
        // self reads all of standard input before anything else: written
        // and closed at once (a few short lines fit in the pipe's buffer).
        fwrite($pipes[0], implode("\n", $lines) . "\n");
        fclose($pipes[0]);
        [$out, $err, $ended] = $this->read_pipes($pipes[1], $pipes[2], microtime(true) + self::SELF_TIMEOUT);
        fclose($pipes[1]);
        fclose($pipes[2]);
        if (!$ended) {
            // No proc_close, which would wait for it; sudo passes the
            // signal on to mailsecctl.
            proc_terminate($proc);
            return ['status' => null, 'out' => $out, 'err' => trim($err) . ' (stopped after '
                . self::SELF_TIMEOUT . ' s)'];
        }
        return ['status' => proc_close($proc), 'out' => $out, 'err' => $err];
    }

    /** Both pipes to their end, or until the DEADLINE (microtime):
     *  [stdout, stderr, whether both ended]. */
    private function read_pipes($stdout, $stderr, $deadline)
    {
        $open = [1 => $stdout, 2 => $stderr];
        $text = [1 => '', 2 => ''];
        foreach ($open as $pipe) {
            stream_set_blocking($pipe, false);
        }
        while ($open) {
            $left = $deadline - microtime(true);
            $ready = $open;
            $write = $except = null;
            if ($left <= 0 || !stream_select($ready, $write, $except, (int) $left,
                    (int) (fmod($left, 1) * 1000000))) {
                return [$text[1], $text[2], false];
            }
            foreach ($ready as $i => $pipe) {  // stream_select keeps the keys
                $chunk = fread($pipe, 8192);
                if ($chunk === false || ($chunk === '' && feof($pipe))) {
                    unset($open[$i]);
                }
                $text[$i] .= (string) $chunk;
            }
        }
        return [$text[1], $text[2], true];
    }

    private function typed_code($name)
    {
        return preg_replace('/\s+/', '', (string) rcube_utils::get_input_string($name, rcube_utils::INPUT_POST));
    }

    private function block($title, array $rows)
    {
        $options = [];
        foreach ($rows as $i => $row) {
            $options["row$i"] = ['content' => $row];
        }
        return ['name' => rcube::Q($this->gettext($title)), 'options' => $options];
    }

    private function code_field($label, $name = '_mailsec_code', $id = 'mailsec-code')
    {
        $input = new html_inputfield(['name' => $name, 'id' => $id,
            'class' => 'form-control', 'autocomplete' => 'one-time-code', 'size' => 12, 'maxlength' => 16]);
        return html::label($id, rcube::Q($this->gettext($label))) . ' ' . $input->show() . ' ';
    }

    /** Enter in a form submits with its first submit button: where a code
     *  field is followed by two actions (Disable, New recovery codes), a
     *  disabled first one makes Enter do nothing rather than disable 2FA. */
    private function no_enter()
    {
        return html::tag('button', ['type' => 'submit', 'disabled' => 'disabled',
            'style' => 'display: none', 'aria-hidden' => 'true', 'id' => 'mailsec-no-enter'], '');
    }

    private function button($do, $label, $main = false, array $attrs = [])
    {
        return html::tag('button', $attrs + ['type' => 'submit', 'name' => '_mailsec_do', 'value' => $do,
            'id' => "mailsec-$do", 'class' => 'button' . ($main ? ' mainaction' : '')],
            rcube::Q($this->gettext($label))) . ' ';
    }
}
