<?php
// The embedded helpdesk as code written for the original Kayako calls it: PHP's own SoapClient,
// every one of the 19 functions and every error code of the reference.
// Usage: php conformance.php MODE CONFIG_JSON
//   MODE wsdl:       WSDL mode on index.php?wsdl=rpc, positional calls ($client->getDepartmentList($user, $password))
//   MODE positional: non-WSDL mode (location + uri), positional calls (sent as param0..paramN)
//   MODE named:      non-WSDL mode, every parameter named with SoapParam
//   CONFIG_JSON: {"url", "user", "password", "email", "other_email", "other_ticket", "files"} where files is
//   the base URL of a server that serves /attachment.bin with the bytes whose SHA-256 is "file_sha256".
// Prints one JSON object: {"checks": {name: "ok" or what went wrong}, "types": {value: PHP type}}.

[$script, $mode, $configJson] = $argv;
$config = json_decode($configJson, true, 512, JSON_THROW_ON_ERROR);
$user = $config['user'];
$password = $config['password'];
$email = $config['email'];
$options = ['cache_wsdl' => WSDL_CACHE_NONE, 'exceptions' => true, 'connection_timeout' => 5];
$client = $mode === 'wsdl'
    ? new SoapClient($config['url'] . '?wsdl=rpc', $options)
    : new SoapClient(null, $options + ['location' => $config['url'], 'uri' => 'urn:KayakoIntegrationAPI']);

// The reference's parameters, in order, after user and password: what named calls are built from.
const SIGNATURES = [
    'getKnowledgeBaseCategories' => ['categoryId'],
    'getKnowledgeBaseArticles' => ['categoryId'],
    'getKnowledgeBaseArticle' => ['articleId'],
    'rateKnowledgeBaseArticle' => ['articleId', 'rateType'],
    'addKnowledgeBaseArticleComment' => ['articleId', 'posterName', 'comment'],
    'getDepartmentList' => [],
    'getDepartmentCustomFields' => ['departmentId'],
    'getPriorityList' => [],
    'getStatusList' => [],
    'getTotalSubmittedTickets' => ['email'],
    'getSubmittedTicketsWithExtraRestrictions' => [
        'email', 'numPerPage', 'page', 'sortBy', 'orderAsc', 'minStartDate', 'maxStartDate', 'minLastActivity',
        'maxLastActivity', 'minDueDate', 'maxDueDate', 'specificDepartment', 'specificStatus', 'specificPriority',
    ],
    'getSubmittedTickets' => ['email', 'numPerPage', 'page', 'sortBy', 'orderAsc'],
    'getSubmittedTicket' => ['email', 'ticketId'],
    'submitTicket' => [
        'email', 'departmentId', 'priorityId', 'fullName', 'subject', 'message', 'attachments', 'sendAuto',
        'passType', 'pass', 'customs',
    ],
    'postTicketReply' => ['email', 'ticketId', 'reply', 'attachments'],
    'updateTicketProperties' => ['email', 'ticketId', 'newStatus', 'newPriority'],
    'setCustomFieldValue' => ['typeid', 'customField', 'value'],
    'getTicketAttachment' => ['email', 'ticketId', 'attachmentId'],
    'updateEmailAddress' => ['oldEmail', 'newEmail'],
];

function call(string $operation, ...$args)
{
    global $client, $mode, $user, $password;
    return call_as($user, $password, $operation, ...$args);
}

function call_as(string $user, string $password, string $operation, ...$args)
{
    global $client, $mode;
    $values = [$user, $password, ...$args];
    if ($mode !== 'named') {
        return $client->$operation(...$values);
    }
    $names = ['user', 'password', ...SIGNATURES[$operation]];
    return $client->__soapCall($operation, array_map(fn($name, $value) => new SoapParam($value, $name), $names, $values));
}

// The code of the Kayako fault the call raises; anything else is a failure.
function error_of(callable $call): string
{
    try {
        $result = $call();
    } catch (SoapFault $fault) {
        if ($fault->faultstring !== 'Kayako API Error') {
            return "fault {$fault->faultstring}";
        }
        return trim((string)$fault->detail);
    }
    return 'no fault but ' . json_encode($result);
}

$checks = [];
function check(string $name, callable $test): void
{
    global $checks;
    try {
        $problems = array_filter($test());
        $checks[$name] = $problems ? implode('; ', $problems) : 'ok';
    } catch (Throwable $error) {
        $checks[$name] = get_class($error) . ': ' . $error->getMessage();
    }
}

// One problem per mismatch, or null; `===` so that "1" is not 1 and "false" is not false.
function same($actual, $expected, string $what): ?string
{
    return $actual === $expected ? null : "$what: expected " . var_export($expected, true) . ', got ' . var_export($actual, true);
}

function errors(string $operation, array $cases): callable
{
    return function () use ($operation, $cases) {
        $problems = [];
        foreach ($cases as [$code, $args]) {
            $problems[] = same(error_of(fn() => call($operation, ...$args)), $code, "$operation error");
        }
        return $problems;
    };
}

function by_title(array $rows, string $title)
{
    foreach ($rows as $row) {
        if ($row->title === $title) return $row;
    }
    throw new RuntimeException("no $title");
}

function download(string $url): string
{
    $content = file_get_contents($url);
    if ($content === false) throw new RuntimeException("cannot download $url");
    return $content;
}

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
$restrictions = fn(array $overrides = []) => array_values(array_merge([
    'email' => $email, 'numPerPage' => 100, 'page' => 1, 'sortBy' => 'lastactivity', 'orderAsc' => false,
    'minStartDate' => INT_MIN, 'maxStartDate' => INT_MAX, 'minLastActivity' => INT_MIN,
    'maxLastActivity' => INT_MAX, 'minDueDate' => INT_MIN, 'maxDueDate' => INT_MAX,
    'specificDepartment' => 0, 'specificStatus' => 0, 'specificPriority' => 0,
], $overrides));

// --- reference data the later checks build on ------------------------------------------------

$departments = call('getDepartmentList');
$technical = by_title($departments, 'Technical support')->id;
$billing = by_title($departments, 'Billing')->id;
$priorities = call('getPriorityList');
$low = by_title($priorities, 'Low')->id;
$high = by_title($priorities, 'High')->id;
$statuses = call('getStatusList');
$closed = by_title($statuses, 'Closed')->id;
$fields = [];
foreach (call('getDepartmentCustomFields', $technical) as $group) {
    foreach ($group->fields as $field) $fields[$field->title] = $field;
}
// The three required fields of Technical support, as submitTicket's customs; null leaves a field out.
function required_customs(array $overrides = []): array
{
    global $fields;
    $values = array_merge(
        ['Product version' => '4.3', 'Operating system' => 'macOS', 'How often does it happen?' => 'Every time'],
        $overrides,
    );
    $customs = [];
    foreach ($values as $title => $value) {
        if ($value !== null) $customs[] = ['id' => $fields[$title]->id, 'value' => $value];
    }
    return $customs;
}
$attachment = fn(string $name, string $url) => ['name' => $name, 'type' => 'application/octet-stream', 'url' => $url];
$fileUrl = $config['files'] . '/attachment.bin';
$submit = fn(array $overrides = []) => array_values(array_merge([
    'email' => 'php.customer@example.com', 'departmentId' => $billing, 'priorityId' => $low,
    'fullName' => 'PHP Customer', 'subject' => 'Sent from PHP', 'message' => 'From PHP',
    'attachments' => [], 'sendAuto' => false, 'passType' => 0, 'pass' => null, 'customs' => [],
], $overrides));
$myTickets = call('getSubmittedTickets', $email, 30, 1, 'lastactivity', false);
$mine = $myTickets[0]->id;
$otherTicket = $config['other_ticket'];

// --- credentials: -1 from every function -------------------------------------------------------

$sample = [
    'getKnowledgeBaseCategories' => [0], 'getKnowledgeBaseArticles' => [0], 'getKnowledgeBaseArticle' => [1],
    'rateKnowledgeBaseArticle' => [1, true], 'addKnowledgeBaseArticleComment' => [1, 'A', 'B'],
    'getDepartmentList' => [], 'getDepartmentCustomFields' => [$technical], 'getPriorityList' => [],
    'getStatusList' => [], 'getTotalSubmittedTickets' => [$email],
    'getSubmittedTicketsWithExtraRestrictions' => $restrictions(),
    'getSubmittedTickets' => [$email, 10, 1, 'lastactivity', false], 'getSubmittedTicket' => [$email, $mine],
    'submitTicket' => $submit(), 'postTicketReply' => [$email, $mine, 'x', []],
    'updateTicketProperties' => [$email, $mine, $closed, 0], 'setCustomFieldValue' => [$mine, 1, 'x'],
    'getTicketAttachment' => [$email, $mine, 1], 'updateEmailAddress' => [$email, 'x@example.com'],
];
foreach ($sample as $operation => $args) {
    check("$operation -1", fn() => [
        same(error_of(fn() => call_as($user, 'wrong password', $operation, ...$args)), '-1', 'wrong password'),
        same(error_of(fn() => call_as('wrong user', $password, $operation, ...$args)), '-1', 'wrong user'),
    ]);
}

// --- knowledge base ----------------------------------------------------------------------------

check('getKnowledgeBaseCategories root', function () {
    $root = call('getKnowledgeBaseCategories', 0);
    return [
        same(array_map(fn($c) => $c->title, $root->categories), ['Getting started', 'Account and billing', 'Troubleshooting'], 'titles'),
        same($root->breadcrumbs, [], 'breadcrumbs'),
        same(is_int($root->categories[0]->id), true, 'id is an int'),
    ];
});
check('getKnowledgeBaseCategories nested', function () {
    $started = by_title(call('getKnowledgeBaseCategories', 0)->categories, 'Getting started');
    $installation = by_title(call('getKnowledgeBaseCategories', $started->id)->categories, 'Installation');
    $result = call('getKnowledgeBaseCategories', $installation->id);
    return [
        same(array_map(fn($c) => $c->title, $result->categories), ['Windows', 'macOS'], 'titles'),
        same(array_map(fn($b) => [$b->categoryid, $b->title], $result->breadcrumbs),
            [[$started->id, 'Getting started'], [$installation->id, 'Installation']], 'breadcrumbs'),
    ];
});
check('getKnowledgeBaseCategories -20', errors('getKnowledgeBaseCategories', [['-20', [999999]]]));
check('getKnowledgeBaseArticles', function () {
    $articles = call('getKnowledgeBaseArticles', 0);
    $subjects = array_map(fn($a) => $a->subject, $articles);
    sort($subjects);
    return [
        same($subjects, ['Our support hours', 'Welcome to the help centre'], 'root articles'),
        same(is_int($articles[0]->rating) && $articles[0]->rating >= 1 && $articles[0]->rating <= 5, true, 'rating 1-5'),
    ];
});
check('getKnowledgeBaseArticles -20', errors('getKnowledgeBaseArticles', [['-20', [999999]]]));
$passwordArticle = null;
foreach (call('getKnowledgeBaseCategories', 0)->categories as $top) {
    foreach (call('getKnowledgeBaseCategories', $top->id)->categories as $sub) {
        foreach (call('getKnowledgeBaseArticles', $sub->id) as $summary) {
            if ($summary->subject === 'Resetting a forgotten password') $passwordArticle = $summary->id;
        }
    }
}
check('getKnowledgeBaseArticle', function () use ($passwordArticle) {
    $article = call('getKnowledgeBaseArticle', $passwordArticle);
    return [
        same($article->title, 'Resetting a forgotten password', 'title'),
        same(array_map(fn($b) => $b->title, $article->breadcrumbs), ['Account and billing', 'Passwords and sign-in'], 'breadcrumbs'),
        same(array_map(fn($c) => $c->name, $article->comments), ['Maria Lopez', 'Tom Becker'], 'comments'),
        same($article->comments[1]->body, "The link expired after a day for me.\nStill useful!", 'comment body'),
        same(is_int($article->date) && $article->date > 1000000000, true, 'date is a timestamp'),
    ];
});
check('getKnowledgeBaseArticle -21', errors('getKnowledgeBaseArticle', [['-21', [999999]]]));
check('rateKnowledgeBaseArticle', fn() => [
    same(call('rateKnowledgeBaseArticle', $passwordArticle, true), true, 'helpful'),
    same(call('rateKnowledgeBaseArticle', $passwordArticle, false), true, 'not helpful'),
]);
check('rateKnowledgeBaseArticle -21', errors('rateKnowledgeBaseArticle', [['-21', [999999, true]]]));
check('addKnowledgeBaseArticleComment', function () use ($passwordArticle) {
    $id = call('addKnowledgeBaseArticleComment', $passwordArticle, 'PHP Reader', "Thanks – ça marche!");
    $comments = call('getKnowledgeBaseArticle', $passwordArticle)->comments;
    return [
        same(is_int($id) && $id > 0, true, 'new id'),
        same([end($comments)->name, end($comments)->body], ['PHP Reader', "Thanks – ça marche!"], 'last comment'),
    ];
});
check('addKnowledgeBaseArticleComment -21', errors('addKnowledgeBaseArticleComment', [['-21', [999999, 'A', 'B']]]));
check('addKnowledgeBaseArticleComment -11', errors('addKnowledgeBaseArticleComment', [
    ['-11', [$passwordArticle, '', 'text']], ['-11', [$passwordArticle, 'Ana', '  ']],
]));

// --- reference data ----------------------------------------------------------------------------

check('getDepartmentList', fn() => [
    same(array_map(fn($d) => [$d->title, $d->ispublic, $d->isdefault, $d->order], $departments), [
        ['General', true, true, 0], ['Technical support', true, false, 1], ['Billing', true, false, 2],
        ['Internal escalations', false, false, 3],
    ], 'departments'),
]);
check('getDepartmentCustomFields', function () use ($technical, $fields) {
    $groups = call('getDepartmentCustomFields', $technical);
    $types = array_map(fn($f) => $f->fieldtype, array_values($fields));
    sort($types);
    $platforms = $fields['Affected platforms'];
    $version = $fields['Product version'];
    return [
        same(array_map(fn($g) => $g->title, $groups), ['Your environment', 'Problem details'], 'groups'),
        same($types, [1, 2, 3, 4, 5, 6, 7], 'field types'),
        same([$platforms->options, $platforms->optionorders, $platforms->optionsselected, $platforms->defaultvalue],
            ["Desktop\nWeb\nMobile", "2\n1\n3", "0\n1\n0", null], 'options'),
        same([$version->defaultvalue, $version->isrequired, $version->options], ['4.2', true, null], 'text field'),
    ];
});
check('getDepartmentCustomFields empty', fn() => [same(call('getDepartmentCustomFields', $billing), [], 'no groups')]);
check('getDepartmentCustomFields -8', errors('getDepartmentCustomFields', [['-8', [999999]]]));
check('getPriorityList', fn() => [
    same(array_map(fn($p) => $p->title, $priorities), ['Low', 'Medium', 'High', 'Critical'], 'titles'),
    same([by_title($priorities, 'High')->forecolor, by_title($priorities, 'High')->backcolor,
        by_title($priorities, 'High')->ispublic, by_title($priorities, 'High')->iscustom], ['#FFFFFF', '#D9480F', true, false], 'High'),
]);
check('getStatusList', fn() => [
    same([end($statuses)->title, end($statuses)->ispublic], ['Spam', false], 'last status'),
    same(is_int($statuses[0]->order), true, 'order is an int'),
]);

// --- ticket lists ------------------------------------------------------------------------------

check('getTotalSubmittedTickets', fn() => [same(call('getTotalSubmittedTickets', $email), 30, 'total')]);
check('getTotalSubmittedTickets -2 -3', errors('getTotalSubmittedTickets', [
    ['-2', ['not-an-email']], ['-3', ['nobody@example.com']],
]));
check('getSubmittedTickets', function () use ($email) {
    $rows = call('getSubmittedTickets', $email, 10, 1, 'lastactivity', false);
    $activity = array_map(fn($r) => $r->lastactivity, $rows);
    $sorted = $activity;
    rsort($sorted);
    return [
        same(count($rows), 10, 'rows'),
        same($activity, $sorted, 'newest first'),
        same(is_int($rows[0]->id) && is_string($rows[0]->mask) && is_int($rows[0]->duetime), true, 'typed row'),
    ];
});
check('getSubmittedTickets paging', function () use ($email) {
    $pages = [];
    for ($page = 1; $page <= 5; $page++) {
        $pages[] = array_map(fn($r) => $r->id, call('getSubmittedTickets', $email, 7, $page, 'lastactivity', true));
    }
    $all = array_merge(...$pages);
    return [
        same(array_map('count', $pages), [7, 7, 7, 7, 2], 'page sizes'),
        same(count(array_unique($all)), 30, 'no overlap'),
    ];
});
check('getSubmittedTickets sort keys', function () use ($email) {
    $problems = [];
    foreach (['lastactivity' => 'lastactivity', 'lastreplier' => 'lastreplier', 'ticketstatusid' => 'status',
                 'priorityid' => 'priority', 'departmentid' => 'department'] as $key => $column) {
        foreach ([true, false] as $ascending) {
            $values = array_map(fn($r) => $r->$column, call('getSubmittedTickets', $email, 30, 1, $key, $ascending));
            $sorted = $values;
            $ascending ? sort($sorted) : rsort($sorted);
            $problems[] = same($values, $sorted, "$key " . ($ascending ? 'ascending' : 'descending'));
        }
    }
    return $problems;
});
$listErrors = [
    ['-2', ['bad', 10, 1, 'lastactivity', false]], ['-3', ['nobody@example.com', 10, 1, 'lastactivity', false]],
    ['-4', [$email, 0, 1, 'lastactivity', false]], ['-5', [$email, 10, 0, 'lastactivity', false]],
    ['-6', [$email, 10, 1, 'subject', false]],
];
foreach ($listErrors as [$code, $args]) {
    check("getSubmittedTickets $code", errors('getSubmittedTickets', [[$code, $args]]));
    $extra = $restrictions(['email' => $args[0], 'numPerPage' => $args[1], 'page' => $args[2], 'sortBy' => $args[3]]);
    check("getSubmittedTicketsWithExtraRestrictions $code", errors('getSubmittedTicketsWithExtraRestrictions', [[$code, $extra]]));
}
check('getSubmittedTicketsWithExtraRestrictions', function () use ($restrictions, $myTickets) {
    $first = $myTickets[0];
    $byDepartment = call('getSubmittedTicketsWithExtraRestrictions', ...$restrictions(['specificDepartment' => $first->department]));
    $expected = count(array_filter($myTickets, fn($t) => $t->department === $first->department));
    $start = $myTickets[15]->startdate;
    $newer = call('getSubmittedTicketsWithExtraRestrictions', ...$restrictions(['minStartDate' => $start]));
    return [
        same(count($byDepartment), $expected, 'by department'),
        same(array_values(array_unique(array_map(fn($r) => $r->department, $byDepartment))), [$first->department], 'one department'),
        same(count($newer), count(array_filter($myTickets, fn($t) => $t->startdate >= $start)), 'by start date'),
    ];
});

// --- one ticket, submitting, replying, changing ----------------------------------------------

check('getSubmittedTicket', function () use ($email, $mine) {
    $ticket = call('getSubmittedTicket', $email, $mine);
    return [
        same($ticket->id, $mine, 'id'),
        same($ticket->posts[0]->email, $email, 'first post by the customer'),
        same($ticket->posts[0]->edited, false, 'edited'),
        same(is_array($ticket->custom), true, 'custom values'),
    ];
});
check('getSubmittedTicket -2 -13 -14', errors('getSubmittedTicket', [
    ['-2', ['bad', $mine]], ['-13', [$email, 999999999]], ['-14', [$email, $otherTicket]],
]));
$submitted = null;
check('submitTicket', function () use (&$submitted, $submit, $technical, $high, $attachment, $fileUrl, $config) {
    $subject = 'Grüße aus PHP – ünïcödé ✓';
    $submitted = call('submitTicket', ...$submit([
        'departmentId' => $technical, 'priorityId' => $high, 'subject' => $subject, 'message' => "Line one\nLine two",
        'attachments' => [$attachment('report.bin', $fileUrl)], 'sendAuto' => true, 'pass' => 's3cret-pass',
        'customs' => required_customs(['Affected components' => "Sync\nSharing"]),
    ]));
    $ticket = call('getSubmittedTicket', 'php.customer@example.com', $submitted->id);
    $values = [];
    foreach ($ticket->custom as $group) {
        foreach ($group->fields as $field) $values[$field->name] = $field->value;
    }
    $file = $ticket->posts[0]->attachments[0];
    $info = call('getTicketAttachment', 'php.customer@example.com', $submitted->id, $file->id);
    return [
        same(is_int($submitted->id) && is_string($submitted->mask), true, 'id and mask'),
        same([$ticket->subject, $ticket->posts[0]->contents], [$subject, "Line one\nLine two"], 'subject and message'),
        same([$values['Operating system'], $values['Affected components']], ['macOS', "Sync\nSharing"], 'custom values'),
        same([$file->name, $info->name, $info->size], ['report.bin', 'report.bin', strlen(download($fileUrl))], 'attachment'),
        same(hash('sha256', download($info->url)), $config['file_sha256'], 'attachment bytes'),
    ];
});
$submitErrors = [
    '-2' => ['email' => 'not an email'], '-7' => ['passType' => 2], '-8' => ['departmentId' => 999999],
    '-9' => ['priorityId' => 999999], '-10' => ['subject' => '  '],
    '-22' => ['attachments' => [$attachment('x.txt', 'file:///etc/passwd')]],
    '-23' => ['customs' => required_customs()],
    '-24' => ['departmentId' => $technical, 'customs' => required_customs(['Operating system' => 'BeOS'])],
    '-25' => ['departmentId' => $technical, 'customs' => required_customs(['Product version' => null])],
];
foreach ($submitErrors as $code => $overrides) {
    check("submitTicket $code", errors('submitTicket', [[(string)$code, $submit(array_merge(['email' => 'failed@example.com'], $overrides))]]));
}
check('submitTicket left nothing behind', fn() => [
    same(error_of(fn() => call('getTotalSubmittedTickets', 'failed@example.com')), '-3', 'no customer'),
]);
check('postTicketReply', function () use ($email, $mine, $attachment, $fileUrl) {
    $done = call('postTicketReply', $email, $mine, 'A reply from PHP', [$attachment('log.bin', $fileUrl)]);
    $posts = call('getSubmittedTicket', $email, $mine)->posts;
    return [
        same($done, true, 'result'),
        same([end($posts)->contents, end($posts)->attachments[0]->name], ['A reply from PHP', 'log.bin'], 'last post'),
    ];
});
check('postTicketReply -2 -12 -13 -14 -22', errors('postTicketReply', [
    ['-2', ['bad', $mine, 'x', []]], ['-12', [$email, $mine, " \n", []]], ['-13', [$email, 999999999, 'x', []]],
    ['-14', [$email, $otherTicket, 'x', []]], ['-22', [$email, $mine, 'x', [$attachment('x', 'file:///etc/passwd')]]],
]));
check('updateTicketProperties', function () use ($email, $mine, $closed, $high) {
    $results = [call('updateTicketProperties', $email, $mine, $closed, 0), call('updateTicketProperties', $email, $mine, 0, $high)];
    $ticket = call('getSubmittedTicket', $email, $mine);
    return [same($results, [true, true], 'results'), same([$ticket->status, $ticket->priority], [$closed, $high], 'changed')];
});
check('updateTicketProperties -2 -13 -14 -16 -17 -18', errors('updateTicketProperties', [
    ['-2', ['x', $mine, $closed, 0]], ['-13', [$email, 999999999, $closed, 0]], ['-14', [$email, $otherTicket, $closed, 0]],
    ['-16', [$email, $mine, 0, 0]], ['-17', [$email, $mine, 999999, 0]], ['-18', [$email, $mine, 0, 999999]],
]));
check('setCustomFieldValue', function () use (&$submitted, $fields) {
    $result = call('setCustomFieldValue', $submitted->id, $fields['Product version']->id, '5.0');
    $values = [];
    foreach (call('getSubmittedTicket', 'php.customer@example.com', $submitted->id)->custom as $group) {
        foreach ($group->fields as $field) $values[$field->name] = $field->value;
    }
    return [same($result, true, 'result'), same($values['Product version'], '5.0', 'value')];
});
check('setCustomFieldValue -24 -25 -26', fn() => errors('setCustomFieldValue', [
    ['-26', [999999999, $fields['Product version']->id, '1']], ['-24', [$submitted->id, 999999, '1']],
    ['-25', [$submitted->id, $fields['Product version']->id, '']],
])());
check('getTicketAttachment', function () use ($email, $myTickets, $config) {
    foreach ($myTickets as $row) {
        foreach (call('getSubmittedTicket', $email, $row->id)->posts as $post) {
            foreach ($post->attachments as $file) {
                $info = call('getTicketAttachment', $email, $row->id, $file->id);
                $content = download($info->url);
                return [
                    same([$info->name, $info->type, $info->size], [$file->name, $file->type, $file->size], 'info'),
                    same(strlen($content), $file->size, 'downloaded size'),
                ];
            }
        }
    }
    return ['no attachment found'];
});
check('getTicketAttachment -2 -13 -14 -19', errors('getTicketAttachment', [
    ['-2', ['x', $mine, 1]], ['-13', [$email, 999999999, 1]], ['-14', [$email, $otherTicket, 1]],
    ['-19', [$email, $mine, 999999999]],
]));
check('updateEmailAddress', fn() => [
    same(call('updateEmailAddress', 'php.customer@example.com', 'php.renamed@example.com'), true, 'result'),
    same(call('getTotalSubmittedTickets', 'php.renamed@example.com'), 1, 'tickets moved'),
    same(error_of(fn() => call('getTotalSubmittedTickets', 'php.customer@example.com')), '-3', 'old address gone'),
]);
check('updateEmailAddress -2 -3 -15', errors('updateEmailAddress', [
    ['-2', ['bad', 'x@example.com']], ['-2', [$email, 'bad']], ['-3', ['nobody@example.com', 'x@example.com']],
    ['-15', [$email, $config['other_email']]],
]));

// --- what var_dump shows ------------------------------------------------------------------------

$first = $departments[0];
$types = [
    'getTotalSubmittedTickets' => gettype(call('getTotalSubmittedTickets', $email)),
    'rateKnowledgeBaseArticle' => gettype(call('rateKnowledgeBaseArticle', $passwordArticle, true)),
    'department id' => gettype($first->id),
    'department ispublic' => gettype($first->ispublic),
    'department title' => gettype($first->title),
    'custom field defaultvalue null' => gettype($fields['Affected platforms']->defaultvalue),
    'ticket list' => gettype($myTickets),
];
echo json_encode(['checks' => $checks, 'types' => $types], JSON_UNESCAPED_UNICODE), "\n";
