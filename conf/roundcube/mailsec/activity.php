<?php

/**
 * Settings > Recent activity: the entries of `mailsecctl self MAILBOX
 * activity` (mailsecctl(8)) as a table an owner can read: when, from
 * where, how, and the result, refusals highlighted.
 *
 * The entries come from a tool that may be newer than this plugin: a word
 * it does not know is shown as it is, a field that is missing or not a
 * string is shown as empty, and nothing of it reaches the page unescaped.
 */
class mailsec_activity
{
    /** How an accepted webmail login passed: the text of each detail. */
    const WEBMAIL_HOW = [
        'password' => 'howwebmailpassword',
        'code' => 'howwebmailcode',
        'recovery' => 'howwebmailrecovery',
        'session' => 'howwebmailsession',
    ];
    /** How an accepted mail app's login passed ($service: IMAP, POP3, ...). */
    const CLIENT_HOW = [
        'password' => 'howclientpassword',
        'code' => 'howclientcode',
        'app-password' => 'howclientapppassword',
    ];
    /** Why a login was refused ($name: the app password's). */
    const REFUSED = [
        'bad-password' => 'refusedbadpassword',
        'missing-code' => 'refusedmissingcode',
        'bad-code' => 'refusedbadcode',
        'replay' => 'refusedreplay',
        'locked' => 'refusedlocked',
        'non-webmail-off' => 'refusednonwebmailoff',
        'app-passwords-only' => 'refusedapppasswordsonly',
        'app-password-refused' => 'refusedapppassword',
    ];

    /** @var callable Roundcube's gettext of this plugin: a name, or
     *  ['name' => ..., 'vars' => [...]] */
    private $text;
    /** @var callable (time of the JSON, format or null) => the user's
     *  local time as Roundcube formats it, '' if it cannot */
    private $date;

    function __construct(callable $text, callable $date)
    {
        $this->text = $text;
        $this->date = $date;
    }

    /** The table of ENTRIES (newest first, as the tool lists them), or the
     *  line that says there are none. */
    function html(array $entries)
    {
        $rows = '';
        foreach ($entries as $entry) {
            if (is_array($entry)) {
                $rows .= $this->row($entry);
            }
        }
        if ($rows === '') {
            return html::p(['id' => 'mailsec-activity-none'], rcube::Q($this->gettext('activitynone')));
        }
        $head = '';
        foreach (['activitywhen', 'activityfrom', 'activityhow', 'activityresult'] as $label) {
            $head .= html::tag('th', ['scope' => 'col'], rcube::Q($this->gettext($label)));
        }
        return html::tag('table', ['id' => 'mailsec-activity'],
            html::tag('thead', null, html::tag('tr', null, $head))
            . html::tag('tbody', null, $rows));
    }

    private function row(array $entry)
    {
        $class = ['accepted' => 'mailsec-accepted', 'refused' => 'mailsec-refused'][self::field($entry, 'result')]
            ?? null;
        $cells = html::tag('td', 'mailsec-when', $this->when($entry))
            . html::tag('td', 'mailsec-from', rcube::Q($this->from($entry)))
            . html::tag('td', 'mailsec-how', rcube::Q($this->how($entry)))
            . html::tag('td', 'mailsec-result', rcube::Q($this->result($entry)));
        return html::tag('tr', ['class' => $class], $cells);
    }

    /** The newest time, and "N times since FIRST" when it counts repeats
     *  (escaped HTML). */
    private function when(array $entry)
    {
        $time = self::field($entry, 'time');
        $shown = rcube::Q(call_user_func($this->date, $time, null) ?: $time);
        $count = $entry['count'] ?? 1;
        if (is_int($count) && $count > 1) {
            $repeat = $this->gettext(['name' => 'activityrepeat',
                'vars' => ['count' => $count, 'first' => $this->day(self::field($entry, 'first'))]]);
            $shown .= html::div('mailsec-repeat', rcube::Q($repeat));
        }
        return $shown;
    }

    /** A short form of the first time: its time of day when that was
     *  today, else the day and month (and the year, when not this one). */
    private function day($time)
    {
        $today = call_user_func($this->date, 'now', 'Y-m-d');
        $day = call_user_func($this->date, $time, 'Y-m-d');
        if ($day === '') {
            return $time;
        }
        if ($day === $today) {
            return call_user_func($this->date, $time, 'H:i');
        }
        return call_user_func($this->date, $time, substr($day, 0, 4) === substr($today, 0, 4) ? 'j M' : 'j M Y');
    }

    private function from(array $entry)
    {
        $rhost = self::field($entry, 'rhost');
        return $rhost !== '' ? $rhost : $this->gettext('unknownaddress');
    }

    /** "Webmail with password and code", "Mail app (IMAP) with password",
     *  ...: how an accepted login passed; for a refused one only which
     *  door it knocked on (the result says why). */
    private function how(array $entry)
    {
        $detail = self::field($entry, 'detail');
        $accepted = self::field($entry, 'result') === 'accepted';
        $vars = ['service' => $this->service_name(self::field($entry, 'service')),
            'name' => self::field($entry, 'app')];
        if (self::field($entry, 'role') === 'webmail') {
            $known = self::WEBMAIL_HOW;
            $door = 'howwebmail';
        }
        else {
            $known = self::CLIENT_HOW;
            $door = 'howclient';
        }
        if ($accepted && isset($known[$detail])) {
            return $this->gettext(['name' => $known[$detail], 'vars' => $vars]);
        }
        $how = $this->gettext(['name' => $door, 'vars' => $vars]);
        // An accepted detail this plugin has no words for, from a newer tool.
        if ($accepted && $detail !== '') {
            $how .= " ($detail)";
        }
        return $how;
    }

    /** "Signed in", or why it was refused; an unknown word as it is. */
    private function result(array $entry)
    {
        $result = self::field($entry, 'result');
        $detail = self::field($entry, 'detail');
        if ($result === 'accepted') {
            return $this->gettext('signedin');
        }
        if ($result !== 'refused') {
            return trim("$result $detail");
        }
        if (isset(self::REFUSED[$detail])) {
            return $this->gettext(['name' => self::REFUSED[$detail],
                'vars' => ['name' => self::field($entry, 'app')]]);
        }
        return $this->gettext(['name' => 'refusedother', 'vars' => ['detail' => $detail]]);
    }

    /** The protocols by the names mail apps show; any other as it is. */
    private static function service_name($service)
    {
        return in_array($service, ['imap', 'pop3', 'smtp'], true) ? strtoupper($service) : $service;
    }

    /** A string member of ENTRY, or '' (missing, null, not a string). */
    private static function field(array $entry, $name)
    {
        $value = $entry[$name] ?? '';
        return is_string($value) ? $value : '';
    }

    private function gettext($what)
    {
        return (string) call_user_func($this->text, $what);
    }
}
