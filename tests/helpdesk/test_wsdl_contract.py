"""The two WSDLs describe one contract: the helpdesk refuses to start when the rpc/encoded one drifts."""

import pytest

from helpdesk.soap import schema
from helpdesk.soap.schema import WSDL_PATHS, ContractMismatch


def test_both_wsdls_agree_and_name_the_reference_parameters_in_order():
    contract = schema.load(WSDL_PATHS["document"], WSDL_PATHS["rpc"])
    assert len(contract.operations) == 19
    assert [p.name for p in contract.operations["submitTicket"]] == [
        "user", "password", "email", "departmentId", "priorityId", "fullName", "subject", "message", "attachments",
        "sendAuto", "passType", "pass", "customs",
    ]


@pytest.mark.parametrize(
    "changes,problem",
    [
        # two parameters swapped: a positional call would put each value in the other's place
        ([('<wsdl:part name="departmentId" type="xsd:int"/>\n    <wsdl:part name="priorityId" type="xsd:int"/>',
           '<wsdl:part name="priorityId" type="xsd:int"/>\n    <wsdl:part name="departmentId" type="xsd:int"/>'),
          ("departmentId priorityId", "priorityId departmentId")], "submitTicket: parameters differ"),
        ([('<wsdl:part name="email" type="xsd:string"/>', '<wsdl:part name="mail" type="xsd:string"/>'),
          ('parameterOrder="user password email"', 'parameterOrder="user password mail"')],
         "getTotalSubmittedTickets: parameters differ"),
        ([('<wsdl:part name="rateType" type="xsd:boolean"/>', '<wsdl:part name="rateType" type="xsd:int"/>')],
         "rateKnowledgeBaseArticle: parameters differ"),
        ([('<wsdl:part name="return" type="tns:SubmittedTicket"/>', '<wsdl:part name="return" type="tns:Ticket"/>')],
         "submitTicket: return types differ"),
        ([('wsdl:arrayType="tns:Category[]"', 'wsdl:arrayType="tns:Breadcrumb[]"')], "CategoryArray"),
        ([('<xsd:element name="mask" type="xsd:string"/>', '<xsd:element name="mask" type="xsd:int"/>')],
         "type TicketSummary differs"),
        ([('parameterOrder="user password email ticketId"', 'parameterOrder="user password ticketId email"')],
         "getSubmittedTicket: parameterOrder"),
    ],
)
def test_a_drifting_rpc_wsdl_fails_to_load(tmp_path, changes, problem):
    text = WSDL_PATHS["rpc"].read_text()
    for original, tampered in changes:
        assert original in text
        text = text.replace(original, tampered, 1)
    drifted = tmp_path / "drifted.wsdl"
    drifted.write_text(text)
    with pytest.raises(ContractMismatch, match=problem):
        schema.load(WSDL_PATHS["document"], drifted)
