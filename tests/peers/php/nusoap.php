<?php
// A NuSOAP 0.9.5 server (Debian's libnusoap-php) playing an original Kayako of that era: the
// rpc/encoded WSDL that NuSOAP generates itself from register(), ISO-8859-1 on the wire (NuSOAP's
// default), and functions that take their arguments as NuSOAP decodes them: from the xsi:type
// each value carries, never from the WSDL, so untyped values arrive as strings.
// Router script for `php -S 127.0.0.1:<port> nusoap.php`; the API is at /integrationapi/index.php.

declare(strict_types=1);

require __DIR__ . '/kayako.php';

const NUSOAP_SOURCE = '/usr/share/php/nusoap/nusoap.php';
const NAMESPACE_URI = 'urn:KayakoIntegrationAPI';

/**
 * NuSOAP 0.9.5 declares PHP 4 constructors (a method named like its class), which PHP 8 no
 * longer calls. This loads a copy in which each such class gets a __construct forwarding to it.
 */
function load_nusoap(): void
{
    $source = file_get_contents(NUSOAP_SOURCE);
    $copy = sys_get_temp_dir() . '/nusoap-php8-' . sha1($source) . '.php';
    if (!is_file($copy)) {
        $patched = preg_replace_callback(
            '/^class\s+(\w+)(\s+extends\s+\w+)?\s*\{/mi',
            function (array $match) use ($source): string {
                $class = $match[1];
                $hasPhp4Constructor = preg_match('/function\s+' . preg_quote($class, '/') . '\s*\(/i', $source);
                return $hasPhp4Constructor
                    ? "{$match[0]}\n    public function __construct(...\$arguments) { \$this->$class(...\$arguments); }"
                    : $match[0];
            },
            $source
        );
        $partial = "$copy." . getmypid() . '.tmp';  // each worker its own, then one atomic rename
        file_put_contents($partial, $patched);
        rename($partial, $copy);
    }
    require_once $copy;
}

/** NuSOAP works in ISO-8859-1; the stored data is UTF-8. */
function convert_strings(mixed $value, string $from, string $to): mixed
{
    if (is_string($value)) {
        return iconv($from, "$to//TRANSLIT", $value);
    }
    if (is_array($value)) {
        $converted = [];
        foreach ($value as $key => $item) {
            $converted[convert_strings($key, $from, $to)] = convert_strings($item, $from, $to);
        }
        return $converted;
    }
    return $value;
}

/** One registered function: arguments as NuSOAP decoded them, the reply in its charset. */
function nusoap_peer_call(string $operation, array $arguments): mixed
{
    global $server;
    $charset = $server->soap_defencoding;
    // NuSOAP decodes an empty SOAP-ENC array as an empty string.
    foreach (array_keys(OPERATIONS[$operation]) as $index => $name) {
        if (OPERATIONS[$operation][$name] === 'array' && ($arguments[$index + 2] ?? null) === '') {
            $arguments[$index + 2] = [];
        }
    }
    try {
        $result = kayako_call($operation, convert_strings($arguments, $charset, 'UTF-8'));
    } catch (KayakoApiError $error) {
        return new nusoap_fault('SOAP-ENV:Client', '', 'Kayako API Error', (string)$error->apiCode);
    } catch (ArgumentTypeError $error) {
        return new nusoap_fault('SOAP-ENV:Client', '', $error->getMessage());
    } catch (Throwable $error) {
        error_log("nusoap $operation: $error");
        return new nusoap_fault('SOAP-ENV:Server', '', 'Internal error');
    }
    $result = convert_strings($result, 'UTF-8', $charset);
    return $operation === 'getSubmittedTicket' && $result !== false ? serialize($result) : $result;
}

// NuSOAP calls a global function named like the operation.
function getKnowledgeBaseCategories(...$a) { return nusoap_peer_call(__FUNCTION__, $a); }
function getKnowledgeBaseArticles(...$a) { return nusoap_peer_call(__FUNCTION__, $a); }
function getKnowledgeBaseArticle(...$a) { return nusoap_peer_call(__FUNCTION__, $a); }
function rateKnowledgeBaseArticle(...$a) { return nusoap_peer_call(__FUNCTION__, $a); }
function addKnowledgeBaseArticleComment(...$a) { return nusoap_peer_call(__FUNCTION__, $a); }
function getDepartmentList(...$a) { return nusoap_peer_call(__FUNCTION__, $a); }
function getDepartmentCustomFields(...$a) { return nusoap_peer_call(__FUNCTION__, $a); }
function getPriorityList(...$a) { return nusoap_peer_call(__FUNCTION__, $a); }
function getStatusList(...$a) { return nusoap_peer_call(__FUNCTION__, $a); }
function getTotalSubmittedTickets(...$a) { return nusoap_peer_call(__FUNCTION__, $a); }
function getSubmittedTicketsWithExtraRestrictions(...$a) { return nusoap_peer_call(__FUNCTION__, $a); }
function getSubmittedTickets(...$a) { return nusoap_peer_call(__FUNCTION__, $a); }
function getSubmittedTicket(...$a) { return nusoap_peer_call(__FUNCTION__, $a); }
function submitTicket(...$a) { return nusoap_peer_call(__FUNCTION__, $a); }
function postTicketReply(...$a) { return nusoap_peer_call(__FUNCTION__, $a); }
function updateTicketProperties(...$a) { return nusoap_peer_call(__FUNCTION__, $a); }
function setCustomFieldValue(...$a) { return nusoap_peer_call(__FUNCTION__, $a); }
function getTicketAttachment(...$a) { return nusoap_peer_call(__FUNCTION__, $a); }
function updateEmailAddress(...$a) { return nusoap_peer_call(__FUNCTION__, $a); }

const WSDL_TYPES = ['int' => 'xsd:int', 'bool' => 'xsd:boolean', 'string' => 'xsd:string', 'string?' => 'xsd:string'];
const ARRAY_PARAMETERS = ['attachments' => 'tns:AttachmentArray', 'customs' => 'tns:CustomValueArray'];

// NuSOAP writes a PHP array only by a type registered for it: the structures of the reference,
// each with an array type "<name>Array" beside it.
const STRUCTS = [
    'Attachment' => ['name' => 'xsd:string', 'type' => 'xsd:string', 'url' => 'xsd:string'],
    'CustomValue' => ['id' => 'xsd:int', 'value' => 'xsd:string'],
    'Category' => ['id' => 'xsd:int', 'title' => 'xsd:string'],
    'Breadcrumb' => ['categoryid' => 'xsd:int', 'title' => 'xsd:string'],
    'KnowledgeBaseCategories' => ['categories' => 'tns:CategoryArray', 'breadcrumbs' => 'tns:BreadcrumbArray'],
    'ArticleSummary' => ['id' => 'xsd:int', 'subject' => 'xsd:string', 'rating' => 'xsd:int'],
    'Comment' => ['name' => 'xsd:string', 'date' => 'xsd:int', 'body' => 'xsd:string'],
    'Article' => [
        'breadcrumbs' => 'tns:BreadcrumbArray', 'title' => 'xsd:string', 'body' => 'xsd:string', 'date' => 'xsd:int',
        'rating' => 'xsd:int', 'comments' => 'tns:CommentArray',
    ],
    'Department' => ['id' => 'xsd:int', 'title' => 'xsd:string', 'ispublic' => 'xsd:boolean', 'isdefault' => 'xsd:boolean', 'order' => 'xsd:int'],
    'CustomField' => [
        'id' => 'xsd:int', 'title' => 'xsd:string', 'fieldtype' => 'xsd:int', 'defaultvalue' => 'xsd:string',
        'description' => 'xsd:string', 'displayorder' => 'xsd:int', 'isrequired' => 'xsd:boolean',
        'options' => 'xsd:string', 'optionorders' => 'xsd:string', 'optionsselected' => 'xsd:string',
    ],
    'CustomFieldGroup' => ['id' => 'xsd:int', 'title' => 'xsd:string', 'displayorder' => 'xsd:int', 'fields' => 'tns:CustomFieldArray'],
    'Priority' => [
        'id' => 'xsd:int', 'title' => 'xsd:string', 'order' => 'xsd:int', 'ispublic' => 'xsd:boolean',
        'forecolor' => 'xsd:string', 'backcolor' => 'xsd:string', 'iscustom' => 'xsd:boolean',
    ],
    'Status' => ['id' => 'xsd:int', 'title' => 'xsd:string', 'order' => 'xsd:int', 'ispublic' => 'xsd:boolean', 'forecolor' => 'xsd:string'],
    'TicketSummary' => [
        'id' => 'xsd:int', 'mask' => 'xsd:string', 'startdate' => 'xsd:int', 'lastactivity' => 'xsd:int', 'duetime' => 'xsd:int',
        'lastreplier' => 'xsd:string', 'status' => 'xsd:int', 'priority' => 'xsd:int', 'department' => 'xsd:int',
        'subject' => 'xsd:string',
    ],
    'SubmittedTicket' => ['id' => 'xsd:int', 'mask' => 'xsd:string'],
    'AttachmentInfo' => ['size' => 'xsd:int', 'name' => 'xsd:string', 'type' => 'xsd:string', 'url' => 'xsd:string'],
];
const RETURN_TYPES = [
    'getKnowledgeBaseCategories' => 'tns:KnowledgeBaseCategories', 'getKnowledgeBaseArticles' => 'tns:ArticleSummaryArray',
    'getKnowledgeBaseArticle' => 'tns:Article', 'rateKnowledgeBaseArticle' => 'xsd:boolean',
    'addKnowledgeBaseArticleComment' => 'xsd:int', 'getDepartmentList' => 'tns:DepartmentArray',
    'getDepartmentCustomFields' => 'tns:CustomFieldGroupArray', 'getPriorityList' => 'tns:PriorityArray',
    'getStatusList' => 'tns:StatusArray', 'getTotalSubmittedTickets' => 'xsd:int',
    'getSubmittedTicketsWithExtraRestrictions' => 'tns:TicketSummaryArray', 'getSubmittedTickets' => 'tns:TicketSummaryArray',
    'getSubmittedTicket' => 'xsd:string', 'submitTicket' => 'tns:SubmittedTicket', 'postTicketReply' => 'xsd:boolean',
    'updateTicketProperties' => 'xsd:boolean', 'setCustomFieldValue' => 'xsd:boolean',
    'getTicketAttachment' => 'tns:AttachmentInfo', 'updateEmailAddress' => 'xsd:boolean',
];

function nusoap_peer_server(string $endpoint): nusoap_server
{
    $server = new nusoap_server();
    $server->configureWSDL('KayakoIntegrationAPI', NAMESPACE_URI, $endpoint);
    foreach (STRUCTS as $name => $fields) {
        $elements = [];
        foreach ($fields as $field => $type) {
            $elements[$field] = ['name' => $field, 'type' => $type];
        }
        $server->wsdl->addComplexType($name, 'complexType', 'struct', 'all', '', $elements);
        $server->wsdl->addComplexType("{$name}Array", 'complexType', 'array', '', 'SOAP-ENC:Array', [],
            [['ref' => 'SOAP-ENC:arrayType', 'wsdl:arrayType' => "tns:{$name}[]"]], "tns:$name");
    }
    foreach (OPERATIONS as $operation => $parameters) {
        $in = ['user' => 'xsd:string', 'password' => 'xsd:string'];
        foreach ($parameters as $name => $type) {
            $in[$name] = ARRAY_PARAMETERS[$name] ?? WSDL_TYPES[$type];
        }
        $server->register($operation, $in, ['return' => RETURN_TYPES[$operation]], NAMESPACE_URI, NAMESPACE_URI . "#$operation", 'rpc', 'encoded');
    }
    return $server;
}

function serve_peer(): void
{
    global $server;
    if (parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH) !== '/integrationapi/index.php') {
        http_response_code(404);
        return;
    }
    if ($_SERVER['REQUEST_METHOD'] === 'GET' && isset($_GET['getattachment'])) {
        Kayako::sendAttachment((string)$_GET['getattachment']);
        return;
    }
    load_nusoap();
    $server = nusoap_peer_server("http://{$_SERVER['HTTP_HOST']}/integrationapi/index.php");
    $server->service(file_get_contents('php://input'));
}

serve_peer();
