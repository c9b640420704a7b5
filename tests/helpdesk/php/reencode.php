<?php
// The helpdesk's rpc/encoded replies beside what PHP's own SoapServer would answer in its place: each
// call is made with SoapClient (WSDL mode, ?wsdl=rpc), and the value it returned is written again by a
// SoapServer from the same WSDL.
// Usage: php reencode.php ENDPOINT_URL < {"operation": [arguments after user and password], ...}
//   (user and password are the first two arguments of every call, given in the input as "credentials")
// Prints {"operation": {"helpdesk": "<reply>", "php": "<SoapServer's reply>"}, ...}.

[$script, $url] = $argv;
$input = json_decode(stream_get_contents(STDIN), true, 512, JSON_THROW_ON_ERROR);
$options = ['cache_wsdl' => WSDL_CACHE_NONE, 'exceptions' => true];

// Returns, for any operation, the value it is given.
class Echoes
{
    public static $value;

    public function __call($operation, $args)
    {
        return self::$value;
    }
}

$client = new SoapClient("$url?wsdl=rpc", $options + ['trace' => true]);
$server = new SoapServer("$url?wsdl=rpc", $options);
$server->setClass(Echoes::class);
$replies = [];
ob_start();
foreach ($input['calls'] as $operation => $args) {
    Echoes::$value = $client->__soapCall($operation, [...$input['credentials'], ...$args]);
    ob_start();
    $server->handle($client->__getLastRequest());
    $replies[$operation] = ['helpdesk' => $client->__getLastResponse(), 'php' => ob_get_clean()];
}
ob_end_clean();
echo json_encode($replies), "\n";
