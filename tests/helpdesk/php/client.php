<?php
// A third-party client of the Integration API: PHP's own SoapClient, WSDL mode.
// Usage: php client.php WSDL_URL USER PASSWORD EMAIL DEPARTMENT_ID PRIORITY_ID
// Prints one JSON object with what each call returned.
[$script, $wsdl, $user, $password, $email, $departmentId, $priorityId] = $argv;
$client = new SoapClient($wsdl, [
    'cache_wsdl' => WSDL_CACHE_NONE,
    'exceptions' => true,
    'features' => SOAP_SINGLE_ELEMENT_ARRAYS,
    'connection_timeout' => 5,
]);
$auth = ['user' => $user, 'password' => $password];
$out = [];

$root = $client->getKnowledgeBaseCategories($auth + ['categoryId' => 0])->return;
$out['root_categories'] = array_map(fn($c) => $c->title, $root->categories->item);
$first = $root->categories->item[0];
$sub = $client->getKnowledgeBaseCategories($auth + ['categoryId' => $first->id])->return;
$out['breadcrumbs'] = array_map(fn($b) => $b->title, $sub->breadcrumbs->item);
$articles = $client->getKnowledgeBaseArticles($auth + ['categoryId' => 0])->return;
$out['root_articles'] = array_map(fn($a) => $a->subject, $articles->item ?? []);
$article = $client->getKnowledgeBaseArticle($auth + ['articleId' => $articles->item[0]->id])->return;
$out['article_title'] = $article->title;

$list = $client->getSubmittedTickets($auth + [
    'email' => $email, 'numPerPage' => 5, 'page' => 1, 'sortBy' => 'lastactivity', 'orderAsc' => false,
])->return;
$out['ticket_masks'] = array_map(fn($t) => $t->mask, $list->item);

$groups = $client->getDepartmentCustomFields($auth + ['departmentId' => (int)$departmentId])->return;
$customs = [];
foreach ($groups->item ?? [] as $group) {
    foreach ($group->fields->item ?? [] as $field) {
        if (!$field->isrequired) continue;
        $options = $field->options === null ? [] : explode("\n", $field->options);
        $customs[] = ['id' => $field->id, 'value' => $options ? $options[0] : 'from PHP'];
    }
}
$out['required_customs'] = count($customs);
$submitted = $client->submitTicket($auth + [
    'email' => $email, 'departmentId' => (int)$departmentId, 'priorityId' => (int)$priorityId,
    'fullName' => 'PHP Client', 'subject' => 'Sent from PHP', 'message' => "Line one\nLine two",
    'attachments' => ['item' => []], 'sendAuto' => false, 'passType' => 0, 'pass' => null,
    'customs' => ['item' => $customs],
])->return;
$out['submitted_mask'] = $submitted->mask;
$ticket = $client->getSubmittedTicket($auth + ['email' => $email, 'ticketId' => $submitted->id])->return;
$out['ticket_subject'] = $ticket->subject;
$out['ticket_message'] = $ticket->posts->item[0]->contents;
$out['ticket_custom_values'] = [];
foreach ($ticket->custom->item ?? [] as $group) {
    foreach ($group->fields->item ?? [] as $field) {
        if ($field->value !== '') $out['ticket_custom_values'][$field->name] = $field->value;
    }
}

try {
    $client->getSubmittedTicket($auth + ['email' => $email, 'ticketId' => 999999999]);
    $out['fault'] = null;
} catch (SoapFault $fault) {
    $out['fault'] = ['string' => $fault->faultstring, 'detail' => trim((string)$fault->detail)];
}
echo json_encode($out), "\n";
