<?php
// A PHP ext/soap SoapServer playing the original Kayako: its rpc/encoded WSDL
// (integrationapi-rpc.wsdl), PHP arrays on the wire as ext/soap writes them (SOAP-ENC:Array,
// apache Maps), getSubmittedTicket as a serialize()'d string or false, and every error a fault
// "Kayako API Error" with the code as its detail.
// Router script for `php -S 127.0.0.1:<port> extsoap.php`; the API is at /integrationapi/index.php.

declare(strict_types=1);

require __DIR__ . '/kayako.php';

const WSDL_FILE = __DIR__ . '/integrationapi-rpc.wsdl';

/** SoapServer calls a method per operation with the parts in the WSDL's order. */
final class ExtSoapHandler
{
    public function __call(string $operation, array $arguments): mixed
    {
        try {
            $result = kayako_call($operation, array_map([self::class, 'asArrays'], $arguments));
        } catch (KayakoApiError $error) {
            throw new SoapFault('Client', 'Kayako API Error', null, (string)$error->apiCode);
        } catch (ArgumentTypeError $error) {
            throw new SoapFault('Client', $error->getMessage());
        } catch (Throwable $error) {
            error_log("extsoap $operation: $error");
            throw new SoapFault('Server', 'Internal error');
        }
        return $operation === 'getSubmittedTicket' && $result !== false ? serialize($result) : $result;
    }

    /** ext/soap decodes a struct as a stdClass; the API takes PHP arrays, as the original's class did. */
    private static function asArrays(mixed $value): mixed
    {
        if (is_object($value)) {
            $value = get_object_vars($value);
        }
        return is_array($value) ? array_map([self::class, 'asArrays'], $value) : $value;
    }
}

function serve_peer(): void
{
    if (parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH) !== '/integrationapi/index.php') {
        http_response_code(404);
        return;
    }
    if ($_SERVER['REQUEST_METHOD'] === 'GET') {
        if (isset($_GET['wsdl'])) {
            header('Content-Type: text/xml; charset=utf-8');
            echo str_replace('http://127.0.0.1/integrationapi/index.php', "http://{$_SERVER['HTTP_HOST']}/integrationapi/index.php", file_get_contents(WSDL_FILE));
        } elseif (isset($_GET['getattachment'])) {
            Kayako::sendAttachment((string)$_GET['getattachment']);
        } else {
            http_response_code(405);
        }
        return;
    }
    $server = new SoapServer(WSDL_FILE, ['cache_wsdl' => WSDL_CACHE_NONE, 'encoding' => 'UTF-8']);
    $server->setObject(new ExtSoapHandler());
    $server->handle();
}

serve_peer();
