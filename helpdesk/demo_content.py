"""Text for the demo knowledge base: a three-level tree of categories and real-looking articles."""

# (category path, subject, body); a body that starts with "<" is HTML.
ARTICLES = [
    ((), "Welcome to the help centre",
     "<p>This help centre answers the questions we hear most often. Browse the categories, "
     "or search for a word from your question.</p><p>If you cannot find an answer, "
     "<strong>submit a ticket</strong> and our team will reply within one working day.</p>"),
    ((), "Our support hours",
     "Our team answers tickets from Monday to Friday, 8:00 to 18:00 (UTC).\n\n"
     "Urgent tickets about outages are watched around the clock."),
    (("Getting started",), "Creating your first project",
     "<p>A project groups your files, members and settings.</p><ol><li>Open the dashboard.</li>"
     "<li>Choose <em>New project</em>.</li><li>Give it a name and invite your colleagues.</li></ol>"),
    (("Getting started",), "Inviting colleagues",
     "Open the project, choose Members, then Invite. Each colleague receives an email with a link "
     "that is valid for seven days."),
    (("Getting started", "Installation"), "System requirements",
     "<p>The desktop application needs:</p><table><thead><tr><th>Component</th><th>Minimum</th></tr></thead>"
     "<tbody><tr><td>Memory</td><td>4 GB</td></tr><tr><td>Disk</td><td>2 GB free</td></tr>"
     "<tr><td>Network</td><td>Broadband connection</td></tr></tbody></table>"),
    (("Getting started", "Installation", "Windows"), "Installing on Windows",
     "<p>Download the installer and run it. If SmartScreen warns you, choose <em>More info</em> "
     "and then <em>Run anyway</em>.</p><p>To install for all users, run:</p>"
     "<pre><code>setup.exe /allusers /quiet</code></pre>"),
    (("Getting started", "Installation", "Windows"), "Fixing a stuck Windows installer",
     "If the installer stops at 90%, close it, restart Windows and run the installer again as "
     "an administrator. The log file is in %TEMP%\\setup.log; attach it to a ticket if the "
     "problem stays."),
    (("Getting started", "Installation", "macOS"), "Installing on macOS",
     "<p>Open the disk image and drag the application into <code>Applications</code>. "
     "The first start asks for permission to access your documents folder.</p>"),
    (("Getting started", "Installation", "macOS"), "Allowing the app in Privacy settings",
     "Open System Settings, Privacy & Security, and allow the application under Files and Folders. "
     "Restart the application afterwards."),
    (("Account and billing",), "Changing your email address",
     "<p>Open your profile and add the new address. We send a confirmation link to it; once you "
     "confirm, your tickets move with you.</p>"),
    (("Account and billing", "Invoices"), "Downloading invoices",
     "<p>Invoices are under <a href=\"https://example.com/billing\">Billing</a>. Each invoice can "
     "be downloaded as PDF.</p>"),
    (("Account and billing", "Invoices"), "Updating your billing address",
     "The billing address printed on future invoices can be changed under Billing, Details. "
     "Invoices already issued cannot be changed; ask us for a corrected copy."),
    (("Account and billing", "Invoices"), "Accepted payment methods",
     "<ul><li>Credit and debit cards</li><li>SEPA direct debit</li><li>Bank transfer for annual "
     "plans</li></ul>"),
    (("Account and billing", "Passwords and sign-in"), "Resetting a forgotten password",
     "Choose \"Forgot password\" on the sign-in page and enter your email address. The reset link "
     "is valid for three days. Check your spam folder if nothing arrives within ten minutes."),
    (("Account and billing", "Passwords and sign-in"), "Turning on two-step verification",
     "<p>Two-step verification protects your account even when your password leaks. Open "
     "Security, choose <strong>Two-step verification</strong> and scan the code with an "
     "authenticator app.</p>"),
    (("Troubleshooting",), "Collecting diagnostic logs",
     "<p>Open Help, then <em>Export diagnostics</em>. The archive contains logs but no documents."
     "</p><blockquote>Attach the archive to your ticket so we can look at it.</blockquote>"),
    (("Troubleshooting", "Connectivity"), "The application cannot connect",
     "Check that your firewall allows outgoing connections on port 443. Behind a proxy, enter its "
     "address under Settings, Network."),
    (("Troubleshooting", "Connectivity"), "Slow synchronisation",
     "<p>Synchronisation slows down when thousands of small files change at once. Pause it, let "
     "the changes finish, then resume.</p>"),
    (("Troubleshooting", "Connectivity", "VPN"), "Using the application over a VPN",
     "Split-tunnel VPNs work without changes. With a full-tunnel VPN, add our domain to the "
     "VPN's allow list, otherwise uploads time out."),
    (("Troubleshooting", "Email delivery"), "Notifications do not arrive",
     "<p>Add <code>support@example.com</code> to your contacts and check the spam folder. "
     "Corporate mail filters sometimes hold messages for review.</p>"),
]

COMMENTS = {
    "Resetting a forgotten password": [("Maria Lopez", "Worked for me, the mail was in spam."),
                                       ("Tom Becker", "The link expired after a day for me.\nStill useful!")],
    "Installing on Windows": [("Priya Nair", "The /quiet switch saved me a lot of clicking.")],
    "The application cannot connect": [("Jon Smith", "Port 443 was the issue. Thanks!")],
}
