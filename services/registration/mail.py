"""Building and sending the stemkaart e-mails with the standard library's smtplib.

Blocking code, run in a worker thread by ``mailing.py``; no database here. One
SMTP connection carries a whole batch. Every message ends in an ``Outcome``:
a refusal by the server (a 5xx for the recipient, for instance) is recorded
with its code and text instead of stopping the batch.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from services.common.labels import dutch_date
from services.registration.render import CardFace

BODY = """Geachte {contact},

Hierbij ontvangt u de stemkaart van de gemeente {member} voor de {meeting}
op {date}. De gemeente heeft {weight} {votes}.

Geef de stemkaart (de PDF in de bijlage) aan de vertegenwoordiger die namens
uw gemeente stemt: de burgemeester, een wethouder, de secretaris, de griffier
of een raadslid. Bij de stembalie scannen wij de barcode, geprint of op de
telefoon; de vertegenwoordiger krijgt dan een stemkastje en een stempas.

Is de kaart kwijt of bij de verkeerde persoon terechtgekomen? Neem contact op
met de VNG: u krijgt een nieuwe stemkaart en de oude werkt dan niet meer.

Met vriendelijke groet,

Vereniging van Nederlandse Gemeenten
"""


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    starttls: bool
    ssl: bool
    username: str
    password: str
    mail_from: str
    timeout: float


@dataclass(frozen=True)
class OutgoingCard:
    face: CardFace
    contact_name: str
    recipient: str


@dataclass(frozen=True)
class Outcome:
    sent: bool
    smtp_code: int | None = None
    error: str | None = None


def build_message(config: SmtpConfig, mail: OutgoingCard, pdf: bytes) -> EmailMessage:
    face = mail.face
    message = EmailMessage()
    message["Subject"] = f"Stemkaart {face.meeting_name}: {face.member_name}"
    message["From"] = config.mail_from
    message["To"] = formataddr((mail.contact_name, mail.recipient))
    message["Message-ID"] = make_msgid(domain=config.mail_from.rpartition("@")[2].strip("> "))
    message.set_content(
        BODY.format(
            contact=mail.contact_name,
            member=face.member_name,
            meeting=face.meeting_name,
            date=dutch_date(face.meeting_date),
            weight=face.weight,
            votes="stem" if face.weight == 1 else "stemmen",
        )
    )
    message.add_attachment(
        pdf, maintype="application", subtype="pdf", filename=f"stemkaart-{face.member_code}.pdf"
    )
    return message


def _connect(config: SmtpConfig) -> smtplib.SMTP:
    client: smtplib.SMTP
    if config.ssl:
        client = smtplib.SMTP_SSL(
            config.host, config.port, timeout=config.timeout, context=ssl.create_default_context()
        )
    else:
        client = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        if config.starttls:
            client.starttls(context=ssl.create_default_context())
    if config.username:
        client.login(config.username, config.password)
    return client


def _decode(text: bytes | str) -> str:
    return text.decode(errors="replace") if isinstance(text, bytes) else text


def _send_one(client: smtplib.SMTP, message: EmailMessage, recipient: str) -> Outcome:
    try:
        client.send_message(message, to_addrs=[recipient])
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        return Outcome(False, code, f"De mailserver weigert {recipient}: {_decode(text)}")
    except smtplib.SMTPResponseException as exc:
        return Outcome(False, exc.smtp_code, f"De mailserver weigert: {_decode(exc.smtp_error)}")
    return Outcome(True)


def send_all(
    config: SmtpConfig,
    mails: Sequence[OutgoingCard],
    render: Callable[[CardFace], bytes],
) -> list[Outcome]:
    """Send each mail; ``outcomes[i]`` answers ``mails[i]``. Never raises for SMTP trouble."""
    outcomes: list[Outcome] = []
    client: smtplib.SMTP | None = None
    try:
        for mail in mails:
            message = build_message(config, mail, render(mail.face))
            try:
                if client is None:
                    client = _connect(config)
                outcomes.append(_send_one(client, message, mail.recipient))
            except (smtplib.SMTPException, OSError) as exc:
                # A dropped or unreachable server: this one failed, and the
                # next message tries a fresh connection.
                outcomes.append(Outcome(False, None, f"Mailserver niet bereikbaar: {exc}"))
                client = None
    finally:
        if client is not None:
            try:
                client.quit()
            except (smtplib.SMTPException, OSError):
                client.close()
    return outcomes
