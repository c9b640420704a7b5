<?php
// The Kayako Integration API as the original's PHP class had it: 19 functions taking the
// reference's parameters in the reference's order and answering PHP arrays, or throwing
// KayakoApiError with the reference's negative code. Shared by the two SOAP peers (ext/soap and
// NuSOAP), which differ only in how they put these arrays on the wire.
//
// The data lives in the embedded helpdesk's tables of the test database (PDO, SQLite or
// PostgreSQL), so that a test prepares and checks data the same way whichever peer it talks to.
// Strings here are UTF-8, as stored; a binding in another charset converts at its edge.
//
// Configuration comes from the environment the suite starts `php -S` with:
//   PEER_DB_DSN, PEER_DB_USER, PEER_DB_PASSWORD   the database
//   PEER_API_USER, PEER_API_PASSWORD              the API credentials it accepts
//   PEER_MEDIA_ROOT                               where attachment files are kept
//   PEER_SECRET                                   signs attachment links

declare(strict_types=1);

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const SORT_COLUMNS = [
    'lastactivity' => 'lastactivity', 'lastreplier' => 'lastreplier', 'ticketstatusid' => 'status_id',
    'priorityid' => 'priority_id', 'departmentid' => 'department_id',
];
const FIELD_TYPES_WITH_OPTIONS = [4, 5, 6, 7];
const MULTI_VALUED_FIELD_TYPES = [4, 7];
const ATTACHMENT_MAX_BYTES = 50 * 1024 * 1024;
const ATTACHMENT_LINK_SECONDS = 300;

final class KayakoApiError extends Exception
{
    public function __construct(public readonly int $apiCode)
    {
        parent::__construct("Kayako API Error $apiCode");
    }
}

// A request whose arguments do not have the types the reference gives them. The original would
// have coerced silently ("false" is true in PHP); the peers refuse, so that a client that sends
// untyped values fails a test instead of passing by luck.
final class ArgumentTypeError extends Exception
{
}

final class Db
{
    private static ?PDO $pdo = null;

    public static function pdo(): PDO
    {
        if (self::$pdo === null) {
            $pdo = new PDO(getenv('PEER_DB_DSN'), getenv('PEER_DB_USER') ?: null, getenv('PEER_DB_PASSWORD') ?: null, [
                PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION,
                PDO::ATTR_DEFAULT_FETCH_MODE => PDO::FETCH_ASSOC,
                PDO::ATTR_TIMEOUT => 20,
            ]);
            if (self::isSqlite($pdo)) {
                $pdo->exec('PRAGMA busy_timeout = 20000');
            } else {
                $pdo->exec("SET TIME ZONE 'UTC'");
            }
            self::$pdo = $pdo;
        }
        return self::$pdo;
    }

    private static function isSqlite(PDO $pdo): bool
    {
        return $pdo->getAttribute(PDO::ATTR_DRIVER_NAME) === 'sqlite';
    }

    /** @return array<int, array<string, mixed>> */
    public static function all(string $sql, array $params = []): array
    {
        $statement = self::pdo()->prepare($sql);
        $statement->execute($params);
        return $statement->fetchAll();
    }

    public static function one(string $sql, array $params = []): ?array
    {
        return self::all($sql, $params)[0] ?? null;
    }

    public static function run(string $sql, array $params = []): int
    {
        $statement = self::pdo()->prepare($sql);
        $statement->execute($params);
        return $statement->rowCount();
    }

    public static function insert(string $sql, array $params): int
    {
        return (int)self::one("$sql RETURNING id", $params)['id'];
    }

    /** A Unix timestamp column expression. */
    public static function epoch(string $column): string
    {
        return self::isSqlite(self::pdo())
            ? "CAST(strftime('%s', $column) AS INTEGER)"
            : "CAST(EXTRACT(EPOCH FROM $column) AS BIGINT)";
    }

    /** A moment as the column stores it (Django's format on SQLite, UTC on PostgreSQL). */
    public static function moment(float $timestamp): string
    {
        $text = DateTimeImmutable::createFromFormat('U.u', sprintf('%.6F', $timestamp))->format('Y-m-d H:i:s.u');
        return self::isSqlite(self::pdo()) ? $text : "$text+00:00";
    }

    public static function transaction(callable $work): mixed
    {
        $pdo = self::pdo();
        self::isSqlite($pdo) ? $pdo->exec('BEGIN IMMEDIATE') : $pdo->beginTransaction();
        try {
            $result = $work();
            self::isSqlite($pdo) ? $pdo->exec('COMMIT') : $pdo->commit();
            return $result;
        } catch (Throwable $error) {
            self::isSqlite($pdo) ? $pdo->exec('ROLLBACK') : $pdo->rollBack();
            throw $error;
        }
    }
}

final class Kayako
{
    // --- argument checks -------------------------------------------------------------------

    /** @param array<string, array{0: mixed, 1: string}> $arguments name => [value, expected type] */
    public static function expectTypes(array $arguments): void
    {
        foreach ($arguments as $name => [$value, $type]) {
            $actual = get_debug_type($value);
            $ok = $type === 'string?' ? ($value === null || is_string($value)) : $actual === $type;
            if (!$ok) {
                throw new ArgumentTypeError("Argument $name arrived as $actual, expected $type");
            }
        }
    }

    public static function authenticate(mixed $user, mixed $password): void
    {
        self::expectTypes(['user' => [$user, 'string'], 'password' => [$password, 'string']]);
        if (!hash_equals((string)getenv('PEER_API_USER'), $user) || !hash_equals((string)getenv('PEER_API_PASSWORD'), $password)) {
            throw new KayakoApiError(-1);
        }
    }

    private static function email(string $email): string
    {
        $email = trim($email);
        if (filter_var($email, FILTER_VALIDATE_EMAIL) === false) {
            throw new KayakoApiError(-2);
        }
        return $email;
    }

    private static function customer(string $email): ?array
    {
        return Db::one('SELECT * FROM helpdesk_customer WHERE LOWER(email) = LOWER(?)', [trim($email)]);
    }

    private static function existingCustomer(string $email): array
    {
        return self::customer(self::email($email)) ?? throw new KayakoApiError(-3);
    }

    private static function ownedTicket(string $email, int $ticketId, int $missing = -13): array
    {
        self::email($email);
        $ticket = Db::one(
            'SELECT t.*, c.email AS customer_email, c.fullname AS customer_name FROM helpdesk_ticket t '
            . 'JOIN helpdesk_customer c ON c.id = t.customer_id WHERE t.id = ?',
            [$ticketId]
        );
        if ($ticket === null) {
            throw new KayakoApiError($missing);
        }
        if (strtolower($ticket['customer_email']) !== strtolower(trim($email))) {
            throw new KayakoApiError(-14);
        }
        return $ticket;
    }

    // --- knowledge base --------------------------------------------------------------------

    private static function category(int $categoryId): ?array
    {
        if ($categoryId === 0) {
            return null;
        }
        return Db::one('SELECT * FROM helpdesk_knowledgebasecategory WHERE id = ?', [$categoryId])
            ?? throw new KayakoApiError(-20);
    }

    private static function breadcrumbs(?array $category): array
    {
        $trail = [];
        for ($node = $category; $node !== null && count($trail) < 64;) {
            array_unshift($trail, ['categoryid' => (int)$node['id'], 'title' => $node['title']]);
            $node = $node['parent_id'] === null ? null
                : Db::one('SELECT * FROM helpdesk_knowledgebasecategory WHERE id = ?', [$node['parent_id']]);
        }
        return $trail;
    }

    private static function rating(array $article): int
    {
        $votes = (int)$article['helpful'] + (int)$article['unhelpful'];
        return $votes === 0 ? 3 : 1 + (int)round(4 * (int)$article['helpful'] / $votes, 0, PHP_ROUND_HALF_EVEN);
    }

    private static function article(int $articleId): array
    {
        return Db::one('SELECT *, ' . Db::epoch('created') . ' AS created_at FROM helpdesk_knowledgebasearticle WHERE id = ?', [$articleId])
            ?? throw new KayakoApiError(-21);
    }

    public static function getKnowledgeBaseCategories(int $categoryId): array
    {
        $category = self::category($categoryId);
        $children = Db::all(
            'SELECT id, title FROM helpdesk_knowledgebasecategory WHERE parent_id IS NOT DISTINCT FROM ? '
            . 'ORDER BY displayorder, title, id',
            [$category['id'] ?? null]
        );
        return [
            'categories' => array_map(fn($c) => ['id' => (int)$c['id'], 'title' => $c['title']], $children),
            'breadcrumbs' => self::breadcrumbs($category),
        ];
    }

    public static function getKnowledgeBaseArticles(int $categoryId): array
    {
        $category = self::category($categoryId);
        $articles = Db::all(
            'SELECT id, subject, helpful, unhelpful FROM helpdesk_knowledgebasearticle '
            . 'WHERE category_id IS NOT DISTINCT FROM ? ORDER BY displayorder, subject, id',
            [$category['id'] ?? null]
        );
        return array_map(
            fn($a) => ['id' => (int)$a['id'], 'subject' => $a['subject'], 'rating' => self::rating($a)],
            $articles
        );
    }

    public static function getKnowledgeBaseArticle(int $articleId): array
    {
        $article = self::article($articleId);
        $category = $article['category_id'] === null ? null
            : Db::one('SELECT * FROM helpdesk_knowledgebasecategory WHERE id = ?', [$article['category_id']]);
        $comments = Db::all(
            'SELECT name, body, ' . Db::epoch('created') . ' AS created_at FROM helpdesk_knowledgebasecomment '
            . 'WHERE article_id = ? ORDER BY created, id',
            [$articleId]
        );
        return [
            'breadcrumbs' => self::breadcrumbs($category),
            'title' => $article['subject'],
            'body' => $article['body'],
            'date' => (int)$article['created_at'],
            'rating' => self::rating($article),
            'comments' => array_map(
                fn($c) => ['name' => $c['name'], 'date' => (int)$c['created_at'], 'body' => $c['body']],
                $comments
            ),
        ];
    }

    public static function rateKnowledgeBaseArticle(int $articleId, bool $rateType): bool
    {
        $column = $rateType ? 'helpful' : 'unhelpful';
        if (Db::run("UPDATE helpdesk_knowledgebasearticle SET $column = $column + 1 WHERE id = ?", [$articleId]) === 0) {
            throw new KayakoApiError(-21);
        }
        return true;
    }

    public static function addKnowledgeBaseArticleComment(int $articleId, string $posterName, string $comment): int
    {
        self::article($articleId);
        [$posterName, $comment] = [trim($posterName), trim($comment)];
        if ($posterName === '' || $comment === '' || strlen($posterName) > 255) {
            throw new KayakoApiError(-11);
        }
        return Db::insert(
            'INSERT INTO helpdesk_knowledgebasecomment (article_id, name, body, created) VALUES (?, ?, ?, ?)',
            [$articleId, $posterName, $comment, Db::moment(microtime(true))]
        );
    }

    // --- reference data --------------------------------------------------------------------

    public static function getDepartmentList(): array
    {
        return array_map(fn($d) => [
            'id' => (int)$d['id'], 'title' => $d['title'], 'ispublic' => (bool)$d['ispublic'],
            'isdefault' => (bool)$d['isdefault'], 'order' => (int)$d['displayorder'],
        ], Db::all('SELECT * FROM helpdesk_department ORDER BY displayorder, id'));
    }

    public static function getDepartmentCustomFields(int $departmentId): array
    {
        if (Db::one('SELECT id FROM helpdesk_department WHERE id = ?', [$departmentId]) === null) {
            throw new KayakoApiError(-8);
        }
        $groups = Db::all(
            'SELECT g.* FROM helpdesk_customfieldgroup g JOIN helpdesk_customfieldgroup_departments d '
            . 'ON d.customfieldgroup_id = g.id WHERE d.department_id = ? ORDER BY g.displayorder, g.id',
            [$departmentId]
        );
        return array_map(fn($g) => [
            'id' => (int)$g['id'], 'title' => $g['title'], 'displayorder' => (int)$g['displayorder'],
            'fields' => array_map(
                [self::class, 'fieldDefinition'],
                Db::all('SELECT * FROM helpdesk_customfield WHERE group_id = ? ORDER BY displayorder, id', [$g['id']])
            ),
        ], $groups);
    }

    private static function fieldDefinition(array $field): array
    {
        $withOptions = in_array((int)$field['fieldtype'], FIELD_TYPES_WITH_OPTIONS, true);
        $options = Db::all('SELECT * FROM helpdesk_customfieldoption WHERE field_id = ? ORDER BY id', [$field['id']]);
        $joined = fn(callable $pick) => $withOptions ? implode("\n", array_map($pick, $options)) : null;
        return [
            'id' => (int)$field['id'], 'title' => $field['title'], 'fieldtype' => (int)$field['fieldtype'],
            'defaultvalue' => $withOptions ? null : $field['defaultvalue'], 'description' => $field['description'],
            'displayorder' => (int)$field['displayorder'], 'isrequired' => (bool)$field['isrequired'],
            'options' => $joined(fn($o) => $o['value']),
            'optionorders' => $joined(fn($o) => (string)$o['displayorder']),
            'optionsselected' => $joined(fn($o) => $o['isselected'] ? '1' : '0'),
        ];
    }

    public static function getPriorityList(): array
    {
        return array_map(fn($p) => [
            'id' => (int)$p['id'], 'title' => $p['title'], 'order' => (int)$p['displayorder'],
            'ispublic' => (bool)$p['ispublic'], 'forecolor' => $p['forecolor'], 'backcolor' => $p['backcolor'],
            'iscustom' => (bool)$p['iscustom'],
        ], Db::all('SELECT * FROM helpdesk_priority ORDER BY displayorder, id'));
    }

    /** Keyed by id, as the reference's example shows. */
    public static function getStatusList(): array
    {
        $statuses = [];
        foreach (Db::all('SELECT * FROM helpdesk_status ORDER BY displayorder, id') as $s) {
            $statuses[(int)$s['id']] = [
                'id' => (int)$s['id'], 'title' => $s['title'], 'order' => (int)$s['displayorder'],
                'ispublic' => (bool)$s['ispublic'], 'forecolor' => $s['forecolor'],
            ];
        }
        return $statuses;
    }

    // --- tickets ---------------------------------------------------------------------------

    public static function getTotalSubmittedTickets(string $email): int
    {
        $customer = self::existingCustomer($email);
        return (int)Db::one('SELECT COUNT(*) AS n FROM helpdesk_ticket WHERE customer_id = ?', [$customer['id']])['n'];
    }

    /** A range condition; the 32-bit defaults mean none. A missing due time counts as 0. */
    private static function dateRange(string $column, int $low, int $high, bool $nullable, array &$params): string
    {
        if ($low <= INT32_MIN && $high >= INT32_MAX) {
            return '';
        }
        array_push($params, Db::moment(max($low, INT32_MIN)), Db::moment(min($high, INT32_MAX) + 1));
        $condition = "($column >= ? AND $column < ?)";
        if ($nullable && $low <= 0 && 0 <= $high) {
            $condition = "($condition OR $column IS NULL)";
        }
        return " AND $condition";
    }

    public static function getSubmittedTicketsWithExtraRestrictions(
        string $email, int $numPerPage, int $page, string $sortBy, bool $orderAsc,
        int $minStartDate, int $maxStartDate, int $minLastActivity, int $maxLastActivity,
        int $minDueDate, int $maxDueDate, int $specificDepartment, int $specificStatus, int $specificPriority
    ): array {
        $customer = self::existingCustomer($email);
        if ($numPerPage < 1) {
            throw new KayakoApiError(-4);
        }
        if ($page < 1) {
            throw new KayakoApiError(-5);
        }
        if (!isset(SORT_COLUMNS[$sortBy])) {
            throw new KayakoApiError(-6);
        }
        $params = [$customer['id']];
        $where = 'customer_id = ?'
            . self::dateRange('startdate', $minStartDate, $maxStartDate, false, $params)
            . self::dateRange('lastactivity', $minLastActivity, $maxLastActivity, false, $params)
            . self::dateRange('duetime', $minDueDate, $maxDueDate, true, $params);
        foreach (['department_id' => $specificDepartment, 'status_id' => $specificStatus, 'priority_id' => $specificPriority] as $column => $value) {
            if ($value !== 0) {
                $where .= " AND $column = ?";
                $params[] = $value;
            }
        }
        $direction = $orderAsc ? 'ASC' : 'DESC';
        $column = SORT_COLUMNS[$sortBy];
        $offset = ($page - 1) * $numPerPage;
        $rows = Db::all(
            'SELECT id, mask, ' . Db::epoch('startdate') . ' AS startdate, ' . Db::epoch('lastactivity') . ' AS lastactivity, '
            . Db::epoch('duetime') . " AS duetime, lastreplier, status_id, priority_id, department_id, subject FROM helpdesk_ticket WHERE $where "
            . "ORDER BY $column $direction, id $direction LIMIT $numPerPage OFFSET $offset",
            $params
        );
        return array_map(fn($r) => [
            'id' => (int)$r['id'], 'mask' => $r['mask'], 'startdate' => (int)$r['startdate'],
            'lastactivity' => (int)$r['lastactivity'], 'duetime' => (int)($r['duetime'] ?? 0),
            'lastreplier' => $r['lastreplier'], 'status' => (int)$r['status_id'], 'priority' => (int)$r['priority_id'],
            'department' => (int)$r['department_id'], 'subject' => $r['subject'],
        ], $rows);
    }

    public static function getSubmittedTickets(string $email, int $numPerPage, int $page, string $sortBy, bool $orderAsc): array
    {
        return self::getSubmittedTicketsWithExtraRestrictions(
            $email, $numPerPage, $page, $sortBy, $orderAsc,
            INT32_MIN, INT32_MAX, INT32_MIN, INT32_MAX, INT32_MIN, INT32_MAX, 0, 0, 0
        );
    }

    /** The ticket, or false when it does not exist (the original's answer); -14 when not theirs. */
    public static function getSubmittedTicket(string $email, int $ticketId): array|false
    {
        try {
            $ticket = self::ownedTicket($email, $ticketId);
        } catch (KayakoApiError $error) {
            if ($error->apiCode === -13) {
                return false;
            }
            throw $error;
        }
        $posts = Db::all(
            'SELECT *, ' . Db::epoch('created') . ' AS created_at, ' . Db::epoch('editeddate') . ' AS edited_at '
            . 'FROM helpdesk_ticketpost WHERE ticket_id = ? ORDER BY created, id',
            [$ticketId]
        );
        $values = [];
        foreach (Db::all('SELECT field_id, value FROM helpdesk_customfieldvalue WHERE ticket_id = ?', [$ticketId]) as $v) {
            $values[(int)$v['field_id']] = $v['value'];
        }
        $groups = Db::all(
            'SELECT g.* FROM helpdesk_customfieldgroup g JOIN helpdesk_customfieldgroup_departments d '
            . 'ON d.customfieldgroup_id = g.id WHERE d.department_id = ? ORDER BY g.displayorder, g.id',
            [$ticket['department_id']]
        );
        $started = Db::one(
            'SELECT ' . Db::epoch('startdate') . ' AS s, ' . Db::epoch('lastactivity') . ' AS l FROM helpdesk_ticket WHERE id = ?',
            [$ticketId]
        );
        return [
            'id' => (int)$ticket['id'], 'mask' => $ticket['mask'], 'department' => (int)$ticket['department_id'],
            'status' => (int)$ticket['status_id'], 'priority' => (int)$ticket['priority_id'],
            'startdate' => (int)$started['s'], 'lastactivity' => (int)$started['l'], 'subject' => $ticket['subject'],
            'posts' => array_map(fn($p) => [
                'id' => (int)$p['id'], 'date' => (int)$p['created_at'], 'userid' => (int)($p['customer_id'] ?? 0),
                'fullname' => $p['fullname'], 'email' => $p['email'], 'edited' => $p['editeddate'] !== null,
                'editedbystaffid' => (int)($p['editedby_id'] ?? 0), 'editeddate' => (int)($p['edited_at'] ?? 0),
                'ishtml' => (bool)$p['ishtml'], 'staffid' => (int)($p['staff_id'] ?? 0), 'contents' => $p['contents'],
                // The reference's ticket example names the MIME type "type", its field list "mimetype".
                'attachments' => array_map(
                    fn($a) => ['id' => (int)$a['id'], 'name' => $a['name'], 'mimetype' => $a['mimetype'], 'size' => (int)$a['size']],
                    Db::all('SELECT * FROM helpdesk_attachment WHERE post_id = ? ORDER BY id', [$p['id']])
                ),
            ], $posts),
            'custom' => array_map(fn($g) => [
                'id' => (int)$g['id'], 'title' => $g['title'], 'displayorder' => (int)$g['displayorder'],
                'fields' => array_map(
                    fn($f) => ['id' => (int)$f['id'], 'name' => $f['title'], 'type' => (int)$f['fieldtype'], 'value' => $values[(int)$f['id']] ?? ''],
                    Db::all('SELECT * FROM helpdesk_customfield WHERE group_id = ? ORDER BY displayorder, id', [$g['id']])
                ),
            ], $groups),
        ];
    }

    private static function departmentFields(int $departmentId): array
    {
        $fields = [];
        $rows = Db::all(
            'SELECT f.* FROM helpdesk_customfield f JOIN helpdesk_customfieldgroup_departments d '
            . 'ON d.customfieldgroup_id = f.group_id WHERE d.department_id = ?',
            [$departmentId]
        );
        foreach ($rows as $field) {
            $fields[(int)$field['id']] = $field;
        }
        return $fields;
    }

    /** The value to store: -25 when empty but required, -24 when not one of the options. */
    private static function checkedValue(array $field, string $value): string
    {
        $type = (int)$field['fieldtype'];
        if (in_array($type, FIELD_TYPES_WITH_OPTIONS, true)) {
            $multi = in_array($type, MULTI_VALUED_FIELD_TYPES, true);
            $chosen = $multi ? preg_split('/\r?\n/', $value) : [$value];
            $chosen = array_values(array_filter($chosen, fn($v) => trim($v) !== ''));
            $allowed = array_column(Db::all('SELECT value FROM helpdesk_customfieldoption WHERE field_id = ?', [$field['id']]), 'value');
            if (array_diff($chosen, $allowed) || (count($chosen) > 1 && !$multi)) {
                throw new KayakoApiError(-24);
            }
            $value = implode("\n", $chosen);
        }
        if ($field['isrequired'] && trim($value) === '') {
            throw new KayakoApiError(-25);
        }
        return $value;
    }

    /** @return array<int, string> values by field id: -24, -23, -25 */
    private static function checkedCustoms(int $departmentId, array $customs): array
    {
        $fields = self::departmentFields($departmentId);
        $given = [];
        foreach ($customs as $item) {
            self::expectTypes(['customs.id' => [$item['id'] ?? null, 'int'], 'customs.value' => [$item['value'] ?? null, 'string']]);
            $fieldId = $item['id'];
            if (!isset($fields[$fieldId])) {
                throw new KayakoApiError(Db::one('SELECT id FROM helpdesk_customfield WHERE id = ?', [$fieldId]) ? -23 : -24);
            }
            $given[$fieldId] = self::checkedValue($fields[$fieldId], $item['value']);
        }
        foreach ($fields as $fieldId => $field) {
            if ($field['isrequired'] && !isset($given[$fieldId])) {
                throw new KayakoApiError(-25);
            }
        }
        return $given;
    }

    /**
     * Every attachment downloaded from the URL the caller hosts it at, before anything is
     * written, as the original does while handling the call: -22 if one cannot be fetched.
     *
     * @return array<int, array{name: string, type: string, content: string}>
     */
    private static function fetchAttachments(array $attachments): array
    {
        $fetched = [];
        foreach ($attachments as $item) {
            self::expectTypes([
                'attachments.name' => [$item['name'] ?? null, 'string'], 'attachments.type' => [$item['type'] ?? null, 'string'],
                'attachments.url' => [$item['url'] ?? null, 'string'],
            ]);
            if (!preg_match('#^https?://#i', $item['url'])) {
                throw new KayakoApiError(-22);
            }
            $context = stream_context_create(['http' => ['timeout' => 10, 'follow_location' => 0, 'ignore_errors' => true]]);
            $content = @file_get_contents($item['url'], false, $context, 0, ATTACHMENT_MAX_BYTES + 1);
            $status = isset($http_response_header[0]) ? (int)explode(' ', $http_response_header[0])[1] : 0;
            if ($content === false || $status !== 200 || strlen($content) > ATTACHMENT_MAX_BYTES) {
                throw new KayakoApiError(-22);
            }
            $fetched[] = ['name' => $item['name'], 'type' => $item['type'] ?: 'application/octet-stream', 'content' => $content];
        }
        return $fetched;
    }

    /** Files go where Django's FileField of the embedded helpdesk keeps them, under the media root. */
    private static function storeAttachments(int $ticketId, int $postId, array $files): void
    {
        foreach ($files as $file) {
            $name = preg_replace('/[^\w.\-]+/u', '_', basename(str_replace('\\', '/', $file['name']))) ?: 'attachment';
            $relative = sprintf('helpdesk/attachments/%s/%s_%s', gmdate('Y/m'), bin2hex(random_bytes(4)), $name);
            $path = rtrim((string)getenv('PEER_MEDIA_ROOT'), '/') . '/' . $relative;
            if (!is_dir(dirname($path))) {
                mkdir(dirname($path), 0777, true);
            }
            file_put_contents($path, $file['content']);
            Db::insert(
                'INSERT INTO helpdesk_attachment (ticket_id, post_id, file, name, mimetype, size) VALUES (?, ?, ?, ?, ?, ?)',
                [$ticketId, $postId, $relative, $file['name'], $file['type'], strlen($file['content'])]
            );
        }
    }

    public static function submitTicket(
        string $email, int $departmentId, int $priorityId, string $fullName, string $subject, string $message,
        array $attachments, bool $sendAuto, int $passType, ?string $pass, array $customs
    ): array {
        $email = self::email($email);
        if ($passType !== 0 && $passType !== 1) {
            throw new KayakoApiError(-7);
        }
        if (Db::one('SELECT id FROM helpdesk_department WHERE id = ?', [$departmentId]) === null) {
            throw new KayakoApiError(-8);
        }
        if (Db::one('SELECT id FROM helpdesk_priority WHERE id = ?', [$priorityId]) === null) {
            throw new KayakoApiError(-9);
        }
        [$fullName, $subject] = [trim($fullName), trim($subject)];
        if ($fullName === '' || $subject === '' || trim($message) === '') {
            throw new KayakoApiError(-10);
        }
        $values = self::checkedCustoms($departmentId, $customs);
        $status = Db::one('SELECT id FROM helpdesk_status ORDER BY ispublic DESC, displayorder, id') ?? throw new KayakoApiError(-10);
        $files = self::fetchAttachments($attachments);
        return Db::transaction(function () use ($email, $fullName, $pass, $departmentId, $priorityId, $subject, $message, $values, $status, $files) {
            $customer = self::customer($email);
            $customerId = $customer ? (int)$customer['id'] : Db::insert(
                'INSERT INTO helpdesk_customer (email, fullname, password) VALUES (?, ?, ?)',
                [$email, $fullName, '!' . hash('sha256', ($pass ?? '') . random_bytes(8))]
            );
            $name = $customer['fullname'] ?? $fullName;
            $now = Db::moment(microtime(true));
            $mask = sprintf('%s-%06d', substr(str_shuffle('ABCDEFGHIJKLMNOPQRSTUVWXYZ'), 0, 3), random_int(0, 999999));
            $ticketId = Db::insert(
                'INSERT INTO helpdesk_ticket (mask, customer_id, department_id, status_id, priority_id, subject, startdate, lastactivity, lastreplier) '
                . 'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
                [$mask, $customerId, $departmentId, $status['id'], $priorityId, iconv_substr($subject, 0, 255, "UTF-8"), $now, $now, $name]
            );
            $postId = self::addPost($ticketId, $customerId, $name, $customer['email'] ?? $email, $message, $now);
            foreach ($values as $fieldId => $value) {
                Db::insert('INSERT INTO helpdesk_customfieldvalue (ticket_id, field_id, value) VALUES (?, ?, ?)', [$ticketId, $fieldId, $value]);
            }
            self::storeAttachments($ticketId, $postId, $files);
            return ['id' => $ticketId, 'mask' => $mask];
        });
    }

    private static function addPost(int $ticketId, int $customerId, string $name, string $email, string $contents, string $now): int
    {
        return Db::insert(
            'INSERT INTO helpdesk_ticketpost (ticket_id, created, customer_id, fullname, email, contents, ishtml) '
            . 'VALUES (?, ?, ?, ?, ?, ?, FALSE)',
            [$ticketId, $now, $customerId, $name, $email, $contents]
        );
    }

    public static function postTicketReply(string $email, int $ticketId, string $reply, array $attachments): bool
    {
        $ticket = self::ownedTicket($email, $ticketId);
        if (trim($reply) === '') {
            throw new KayakoApiError(-12);
        }
        $files = self::fetchAttachments($attachments);
        Db::transaction(function () use ($ticket, $ticketId, $reply, $files) {
            $now = Db::moment(microtime(true));
            $postId = self::addPost($ticketId, (int)$ticket['customer_id'], $ticket['customer_name'], $ticket['customer_email'], $reply, $now);
            Db::run('UPDATE helpdesk_ticket SET lastactivity = ?, lastreplier = ? WHERE id = ?', [$now, $ticket['customer_name'], $ticketId]);
            self::storeAttachments($ticketId, $postId, $files);
        });
        return true;
    }

    public static function updateTicketProperties(string $email, int $ticketId, int $newStatus, int $newPriority): bool
    {
        self::ownedTicket($email, $ticketId);
        if ($newStatus === 0 && $newPriority === 0) {
            throw new KayakoApiError(-16);
        }
        if ($newStatus !== 0) {
            Db::one('SELECT id FROM helpdesk_status WHERE id = ?', [$newStatus]) ?? throw new KayakoApiError(-17);
            Db::run('UPDATE helpdesk_ticket SET status_id = ? WHERE id = ?', [$newStatus, $ticketId]);
        }
        if ($newPriority !== 0) {
            Db::one('SELECT id FROM helpdesk_priority WHERE id = ?', [$newPriority]) ?? throw new KayakoApiError(-18);
            Db::run('UPDATE helpdesk_ticket SET priority_id = ? WHERE id = ?', [$newPriority, $ticketId]);
        }
        return true;
    }

    public static function setCustomFieldValue(int $typeid, int $customField, string $value): bool
    {
        $ticket = Db::one('SELECT * FROM helpdesk_ticket WHERE id = ?', [$typeid]) ?? throw new KayakoApiError(-26);
        $field = self::departmentFields((int)$ticket['department_id'])[$customField] ?? throw new KayakoApiError(-24);
        $value = self::checkedValue($field, $value);
        if (Db::run('UPDATE helpdesk_customfieldvalue SET value = ? WHERE ticket_id = ? AND field_id = ?', [$value, $typeid, $customField]) === 0) {
            Db::insert('INSERT INTO helpdesk_customfieldvalue (ticket_id, field_id, value) VALUES (?, ?, ?)', [$typeid, $customField, $value]);
        }
        return true;
    }

    public static function getTicketAttachment(string $email, int $ticketId, int $attachmentId): array
    {
        self::ownedTicket($email, $ticketId);
        $attachment = Db::one('SELECT * FROM helpdesk_attachment WHERE id = ? AND ticket_id = ?', [$attachmentId, $ticketId])
            ?? throw new KayakoApiError(-19);
        $expires = time() + ATTACHMENT_LINK_SECONDS;
        $token = "$attachmentId.$expires." . hash_hmac('sha256', "$attachmentId.$expires", (string)getenv('PEER_SECRET'));
        $scheme = empty($_SERVER['HTTPS']) ? 'http' : 'https';
        return [
            'size' => (int)$attachment['size'], 'name' => $attachment['name'], 'type' => $attachment['mimetype'],
            'url' => "$scheme://{$_SERVER['HTTP_HOST']}/integrationapi/index.php?getattachment=" . rawurlencode($token),
        ];
    }

    public static function updateEmailAddress(string $oldEmail, string $newEmail): bool
    {
        $customer = self::existingCustomer($oldEmail);
        $newEmail = self::email($newEmail);
        $other = self::customer($newEmail);
        if ($other !== null && (int)$other['id'] !== (int)$customer['id']) {
            throw new KayakoApiError(-15);
        }
        Db::transaction(function () use ($customer, $newEmail) {
            Db::run('UPDATE helpdesk_customer SET email = ? WHERE id = ?', [$newEmail, $customer['id']]);
            Db::run('UPDATE helpdesk_ticketpost SET email = ? WHERE customer_id = ?', [$newEmail, $customer['id']]);
        });
        return true;
    }

    // --- attachment content (index.php?getattachment=<token>) ------------------------------

    /** Sends the attachment a signed, unexpired link names, or a 404. */
    public static function sendAttachment(string $token): void
    {
        $parts = explode('.', $token);
        $valid = count($parts) === 3 && ctype_digit($parts[0]) && ctype_digit($parts[1]) && (int)$parts[1] >= time()
            && hash_equals(hash_hmac('sha256', "$parts[0].$parts[1]", (string)getenv('PEER_SECRET')), $parts[2]);
        $attachment = $valid ? Db::one('SELECT * FROM helpdesk_attachment WHERE id = ?', [(int)$parts[0]]) : null;
        $path = $attachment ? rtrim((string)getenv('PEER_MEDIA_ROOT'), '/') . '/' . $attachment['file'] : null;
        if ($path === null || !is_file($path)) {
            http_response_code(404);
            header('Content-Type: text/plain');
            echo "Unknown or expired attachment link\n";
            return;
        }
        header('Content-Type: ' . $attachment['mimetype']);
        header('Content-Length: ' . filesize($path));
        header('Content-Disposition: attachment; filename*=UTF-8\'\'' . rawurlencode($attachment['name']));
        readfile($path);
    }
}

/** The operations in the reference's order, with their parameters (after user and password) and types. */
const OPERATIONS = [
    'getKnowledgeBaseCategories' => ['categoryId' => 'int'],
    'getKnowledgeBaseArticles' => ['categoryId' => 'int'],
    'getKnowledgeBaseArticle' => ['articleId' => 'int'],
    'rateKnowledgeBaseArticle' => ['articleId' => 'int', 'rateType' => 'bool'],
    'addKnowledgeBaseArticleComment' => ['articleId' => 'int', 'posterName' => 'string', 'comment' => 'string'],
    'getDepartmentList' => [],
    'getDepartmentCustomFields' => ['departmentId' => 'int'],
    'getPriorityList' => [],
    'getStatusList' => [],
    'getTotalSubmittedTickets' => ['email' => 'string'],
    'getSubmittedTicketsWithExtraRestrictions' => [
        'email' => 'string', 'numPerPage' => 'int', 'page' => 'int', 'sortBy' => 'string', 'orderAsc' => 'bool',
        'minStartDate' => 'int', 'maxStartDate' => 'int', 'minLastActivity' => 'int', 'maxLastActivity' => 'int',
        'minDueDate' => 'int', 'maxDueDate' => 'int', 'specificDepartment' => 'int', 'specificStatus' => 'int',
        'specificPriority' => 'int',
    ],
    'getSubmittedTickets' => ['email' => 'string', 'numPerPage' => 'int', 'page' => 'int', 'sortBy' => 'string', 'orderAsc' => 'bool'],
    'getSubmittedTicket' => ['email' => 'string', 'ticketId' => 'int'],
    'submitTicket' => [
        'email' => 'string', 'departmentId' => 'int', 'priorityId' => 'int', 'fullName' => 'string', 'subject' => 'string',
        'message' => 'string', 'attachments' => 'array', 'sendAuto' => 'bool', 'passType' => 'int', 'pass' => 'string?',
        'customs' => 'array',
    ],
    'postTicketReply' => ['email' => 'string', 'ticketId' => 'int', 'reply' => 'string', 'attachments' => 'array'],
    'updateTicketProperties' => ['email' => 'string', 'ticketId' => 'int', 'newStatus' => 'int', 'newPriority' => 'int'],
    'setCustomFieldValue' => ['typeid' => 'int', 'customField' => 'int', 'value' => 'string'],
    'getTicketAttachment' => ['email' => 'string', 'ticketId' => 'int', 'attachmentId' => 'int'],
    'updateEmailAddress' => ['oldEmail' => 'string', 'newEmail' => 'string'],
];

/**
 * One API call as a binding receives it: credentials checked, every argument checked for the
 * type the reference gives it, then the function.
 */
function kayako_call(string $operation, array $arguments): mixed
{
    $names = array_keys(OPERATIONS[$operation]);
    if (count($arguments) !== 2 + count($names)) {
        throw new ArgumentTypeError("$operation takes " . (2 + count($names)) . ' arguments, got ' . count($arguments));
    }
    $arguments = array_values($arguments);
    Kayako::authenticate($arguments[0], $arguments[1]);
    $values = array_slice($arguments, 2);
    $expected = [];
    foreach ($names as $index => $name) {
        $expected[$name] = [$values[$index], OPERATIONS[$operation][$name]];
    }
    Kayako::expectTypes($expected);
    return Kayako::$operation(...$values);
}
