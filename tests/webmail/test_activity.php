<?php
// The Recent activity table (conf/roundcube/mailsec/activity.php) without
// a running Roundcube: Roundcube's html and rcube classes, the plugin's
// texts of each language, dates in UTC. Arguments: the plugin directory,
// Roundcube's program directory. One "ok"/"not ok" line per check; exit 1
// if any failed. Any PHP notice or warning is a failure.
[, $plugin, $roundcube] = $argv;
define('INSTALL_PATH', dirname($roundcube) . '/');
require "$roundcube/lib/Roundcube/bootstrap.php";
require "$plugin/activity.php";
date_default_timezone_set('UTC');
set_error_handler(function ($level, $message, $file, $line) {
    throw new ErrorException("$message ($file:$line)", 0, $level, $file, $line);
});

$failed = 0;
function check($what, $ok)
{
    global $failed;
    echo ($ok ? 'ok' : 'not ok') . " - $what\n";
    $failed += $ok ? 0 : 1;
}

/** The texts of LANG, looked up as Roundcube's gettext does ("[name]"
 *  when missing, $vars replaced). */
function texts($plugin, $lang)
{
    $labels = $messages = [];
    include "$plugin/localization/$lang.inc";
    $all = $labels + $messages;
    return function ($what) use ($all) {
        $name = is_array($what) ? $what['name'] : $what;
        $text = $all[$name] ?? "[$name]";
        foreach ((is_array($what) ? $what['vars'] ?? [] : []) as $var => $value) {
            $text = str_replace('$' . $var, $value, $text);
        }
        return $text;
    };
}

function date_of($time, $format)
{
    $stamp = is_string($time) ? strtotime($time) : false;
    return $stamp ? date($format ?? 'Y-m-d H:i', $stamp) : '';
}

function table($plugin, array $entries, $lang = 'en_US')
{
    return (new mailsec_activity(texts($plugin, $lang), 'date_of'))->html($entries);
}

/** The rows of HTML: each row's class and its cells' text. */
function rows($html)
{
    $doc = new DOMDocument();
    $doc->loadHTML('<meta charset="utf-8">' . $html, LIBXML_NOERROR);
    $rows = [];
    foreach ($doc->getElementsByTagName('tr') as $tr) {
        $cells = [];
        foreach ($tr->getElementsByTagName('td') as $td) {
            $cells[] = $td->textContent;
        }
        if ($cells) {
            $rows[] = ['class' => $tr->getAttribute('class'), 'cells' => $cells];
        }
    }
    return $rows;
}

function entry(array $fields)
{
    return $fields + ['time' => '2026-12-02T03:04:05Z', 'first' => '2026-12-02T03:04:05Z', 'count' => 1,
        'service' => 'imap', 'role' => 'client', 'rhost' => '203.0.113.5', 'result' => 'accepted',
        'detail' => 'password', 'app' => null];
}

// Every detail word of mailsecctl(8), accepted and refused, as the tool
// would give it.
$known = [];
foreach (['password', 'code', 'recovery', 'session'] as $detail) {
    $known[] = entry(['role' => 'webmail', 'service' => 'webmail', 'detail' => $detail]);
}
foreach (['password', 'code', 'app-password'] as $detail) {
    $known[] = entry(['detail' => $detail, 'app' => $detail == 'app-password' ? 'Phone' : null]);
}
foreach (['bad-password', 'missing-code', 'bad-code', 'replay', 'locked', 'non-webmail-off',
        'app-passwords-only', 'app-password-refused'] as $detail) {
    $known[] = entry(['result' => 'refused', 'detail' => $detail,
        'app' => $detail == 'app-password-refused' ? 'Phone' : null]);
}

// --- English, row by row ---
$rows = rows(table($plugin, $known));
check('one row per entry (' . count($rows) . ')', count($rows) === count($known));
$how = array_map(function ($row) { return $row['cells'][2]; }, $rows);
$result = array_map(function ($row) { return $row['cells'][3]; }, $rows);
check('webmail: password, code, recovery code, session (' . json_encode(array_slice($how, 0, 4)) . ')',
    array_slice($how, 0, 4) === ['Webmail with password', 'Webmail with password and code',
        'Webmail with password and recovery code', 'Webmail, signed in earlier']);
check('mail apps: password, code, app password (' . json_encode(array_slice($how, 4, 3)) . ')',
    array_slice($how, 4, 3) === ['Mail app (IMAP) with password', 'Mail app (IMAP) with password and code',
        'App password “Phone” (IMAP)']);
check('accepted: "Signed in", not highlighted',
    array_slice($result, 0, 7) === array_fill(0, 7, 'Signed in')
    && array_unique(array_column(array_slice($rows, 0, 7), 'class')) === ['mailsec-accepted']);
check('refused: a reason each (' . json_encode(array_slice($result, 7)) . ')', array_slice($result, 7) === [
    'Refused: wrong password', 'Refused: no code given', 'Refused: wrong code', 'Refused: code already used',
    'Refused: too many wrong codes', 'Refused: access from mail apps is off',
    'Refused: only app passwords work here', 'Refused: app password “Phone” not allowed here']);
check('refused: highlighted, and only says the door in How',
    array_unique(array_column(array_slice($rows, 7), 'class')) === ['mailsec-refused']
    && array_unique(array_slice($how, 7)) === ['Mail app (IMAP)']);
check('the time and the address', $rows[0]['cells'][0] === '2026-12-02 03:04' && $rows[0]['cells'][1] === '203.0.113.5');

// --- every language: every text there, every variable replaced ---
foreach (glob("$plugin/localization/*.inc") as $file) {
    $lang = basename($file, '.inc');
    $html = table($plugin, array_merge($known, [entry(['count' => 3, 'first' => '2026-11-30T10:00:00Z'])]), $lang);
    check("$lang: no missing text, no \$variable left",
        !preg_match('/\[[a-z]+\]|\$[a-z]/', $html) && count(rows($html)) === count($known) + 1);
}

// --- repeats, a missing address, none at all ---
$rows = rows(table($plugin, [entry(['count' => 37, 'first' => '2025-11-30T10:00:00Z']),
    entry(['count' => 5, 'first' => date('Y-m-d', time()) . 'T00:00:01Z', 'time' => gmdate('Y-m-d\TH:i:s\Z')]),
    entry(['rhost' => null])]));
check("repeats: how many, since when ({$rows[0]['cells'][0]})",
    $rows[0]['cells'][0] === '2026-12-02 03:0437 times since 30 Nov 2025');
check("repeats since today: the time of day ({$rows[1]['cells'][0]})",
    str_ends_with($rows[1]['cells'][0], '5 times since 00:00'));
check('no address: "unknown"', $rows[2]['cells'][1] === 'unknown');
check('no entries: "No sign-ins recorded yet."', rows(table($plugin, [])) === []
    && strpos(table($plugin, []), 'No sign-ins recorded yet.') !== false);

// --- words of a newer mailsecctl, odd fields, markup ---
try {
    $rows = rows(table($plugin, [
        entry(['detail' => 'passkey']),
        entry(['result' => 'refused', 'detail' => 'geo-blocked']),
        entry(['result' => 'deferred', 'detail' => 'later', 'role' => 'kiosk', 'service' => 'jmap']),
        'not an entry', null, 42,
        ['time' => 5, 'count' => '7', 'rhost' => ['x'], 'result' => true],
    ]));
    check('unknown words shown as they are (' . json_encode($rows) . ')', count($rows) === 4
        && $rows[0]['cells'][2] === 'Mail app (IMAP) (passkey)' && $rows[0]['cells'][3] === 'Signed in'
        && $rows[1]['cells'][3] === 'Refused: geo-blocked' && $rows[1]['class'] === 'mailsec-refused'
        && $rows[2]['cells'][2] === 'Mail app (jmap)' && $rows[2]['cells'][3] === 'deferred later'
        && $rows[2]['class'] === '' && $rows[3]['cells'][1] === 'unknown');
} catch (Throwable $e) {
    check('unknown words and odd fields: ' . $e->getMessage(), false);
}
$evil = '<img src=x onerror=alert(1)>&"';
$html = table($plugin, [entry(['detail' => 'app-password', 'app' => $evil, 'rhost' => $evil, 'time' => $evil]),
    entry(['result' => 'refused', 'detail' => $evil, 'service' => $evil])]);
$rows = rows($html);
check('markup in every field is text, never markup', strpos($html, '<img') === false
    && strpos($html, '&lt;img src=x onerror=alert(1)&gt;&amp;&quot;') !== false
    && $rows[0]['cells'][0] === $evil && $rows[0]['cells'][1] === $evil
    && $rows[0]["cells"][2] === "App password “{$evil}” (IMAP)" && $rows[1]['cells'][3] === "Refused: $evil");

exit($failed ? 1 : 0);
