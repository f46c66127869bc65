#!/usr/bin/env python3
"""Synthetic support-ticket dataset full of PII, for the Refinery demo.

Task: route a customer ticket to a department, set a priority and draft a reply, answering
as one JSON object, e.g. {"department":"billing","priority":"high","reply":"..."}.

The labels follow fixed rules so a tiny model can learn them in minutes on a CPU:
  - department: which issue the ticket describes (billing, technical, shipping, account, returns)
  - priority:   "high" if the ticket contains an urgency cue, "low" if it contains a
                no-rush cue, else "normal"
  - reply:      one canned reply per (department, priority) that never repeats customer PII,
                so a well-trained model has nothing to leak.
The tickets themselves are full of realistic PII (names, emails, phones, Luhn-valid card numbers,
checksum-valid IBANs, postal addresses, SSNs, IPs, API keys, ACME customer ids) so the redaction
stage has real work to do.

Usage: python examples/make_support_dataset.py [--out examples/datasets] [--records 600] [--seed 7]
Standard library only; output is byte-for-byte deterministic for a given seed.
"""
from __future__ import annotations

import argparse
import json
import random
import string
from pathlib import Path

SYSTEM_PROMPT = (
    "You are the Acme support router. Read the ticket and answer with JSON only: "
    '{"department": billing|technical|shipping|account|returns, '
    '"priority": low|normal|high, "reply": short reply to the customer}.'
)

FIRST = ["Maria", "James", "Aisha", "Chen", "Lukas", "Sofia", "Omar", "Priya", "Jonas", "Elena",
         "Mateo", "Hannah", "Kwame", "Yuki", "Noah", "Fatima", "Liam", "Ines", "Ravi", "Olga",
         "Diego", "Grace", "Tomasz", "Amara", "Felix", "Leila", "Samuel", "Nadia", "Hugo", "Zara"]
LAST = ["Garcia", "Smith", "Khan", "Wei", "Muller", "Rossi", "Haddad", "Patel", "Berg", "Petrova",
        "Fernandez", "Schmidt", "Mensah", "Tanaka", "Brown", "Ali", "Murphy", "Costa", "Sharma",
        "Ivanova", "Lopez", "Okafor", "Nowak", "Dubois", "Jensen", "Novak", "Kim", "Silva", "Martin"]
STREETS = ["Maple Street", "Oak Avenue", "Harbour Road", "Kingsway", "Elm Drive", "Station Road",
           "Lindenstrasse", "Rue de la Paix", "Via Roma", "Sunset Boulevard", "Church Lane"]
CITIES = [("Springfield", "IL 62704"), ("Leeds", "LS1 4AP"), ("Berlin", "10115"), ("Lyon", "69002"),
          ("Milan", "20121"), ("Austin", "TX 78701"), ("Dublin", "D02 X285"), ("Porto", "4000-123")]
MAIL_DOMAINS = ["gmail.com", "outlook.com", "proton.me", "yahoo.co.uk", "web.de", "example.org"]

# Issue descriptions per department; {slots} are filled with PII or details.
ISSUES = {
    "billing": [
        "I was charged twice for my subscription this month on my card {card}.",
        "There is a charge of {amount} on card {card} that I do not recognise.",
        "My invoice shows the wrong VAT amount, please correct it. Bank account {iban}.",
        "The refund of {amount} never arrived on my account {iban}.",
        "I cancelled my plan but you still billed {amount} to card ending {card_last4}.",
        "Please update my payment method to card {card}, expiry {expiry}.",
    ],
    "technical": [
        "The app crashes every time I open the dashboard. My IP is {ip} if that helps.",
        "I cannot log in, the page says error 500. I tried from {ip}.",
        "Our API integration fails with 401 using key {api_key}.",
        "Sync stopped working after the last update, files are not uploading.",
        "The export to CSV produces an empty file since yesterday.",
        "Two-factor codes never arrive on my phone {phone}.",
    ],
    "shipping": [
        "My order {order} has not arrived yet, delivery address is {address}.",
        "The tracking number for order {order} shows no updates for a week.",
        "Please change the delivery address of order {order} to {address}.",
        "The courier left my parcel at the wrong house. I live at {address}.",
        "Order {order} arrived with a damaged box and missing items.",
    ],
    "account": [
        "Please change the email on my account from {email} to {email2}.",
        "I want to close my account {customer_id} and delete my data.",
        "Someone else may be using my account, my SSN is {ssn} for verification.",
        "I need to update my phone number to {phone} on account {customer_id}.",
        "Please merge my two accounts, the other one is registered to {email2}.",
    ],
    "returns": [
        "I would like to return the headphones from order {order}, they do not fit my needs.",
        "How do I send back a faulty blender? Order {order}, pickup from {address}.",
        "I returned order {order} two weeks ago, when will I get my money back on {card}?",
        "The jacket from order {order} is the wrong size, I want an exchange.",
        "Please send me a return label for order {order}.",
    ],
}
HIGH_CUES = ["This is urgent!", "Please fix this today.", "I need this resolved immediately.",
             "URGENT:", "As soon as possible please."]
LOW_CUES = ["No rush.", "Whenever you get a chance.", "Just wondering.", "Not urgent at all."]

REPLIES = {
    ("billing", "high"): "Sorry about this billing problem. A billing specialist is reviewing your account now and will contact you within 2 hours.",
    ("billing", "normal"): "Thanks for contacting us. Our billing team will review the charge and reply within 1 business day.",
    ("billing", "low"): "Thanks for your message. Our billing team will look into it and get back to you within 3 business days.",
    ("technical", "high"): "Sorry for the disruption. An engineer is looking at this now and will update you within 2 hours.",
    ("technical", "normal"): "Thanks for the report. Our technical team will investigate and reply within 1 business day.",
    ("technical", "low"): "Thanks for letting us know. Our technical team will look into it within 3 business days.",
    ("shipping", "high"): "Sorry about your delivery. Our shipping team is contacting the courier now and will update you within 2 hours.",
    ("shipping", "normal"): "Thanks for reaching out. Our shipping team will check your order and reply within 1 business day.",
    ("shipping", "low"): "Thanks for your message. Our shipping team will check your order within 3 business days.",
    ("account", "high"): "We have flagged your account for priority review. Our account team will contact you within 2 hours.",
    ("account", "normal"): "Thanks for contacting us. Our account team will process your request within 1 business day.",
    ("account", "low"): "Thanks for your request. Our account team will process it within 3 business days.",
    ("returns", "high"): "Sorry about the trouble with your order. Our returns team will contact you within 2 hours.",
    ("returns", "normal"): "Thanks for contacting us. Our returns team will send you the next steps within 1 business day.",
    ("returns", "low"): "Thanks for your message. Our returns team will send you the next steps within 3 business days.",
}

GREETINGS = ["Hi,", "Hello,", "Dear support,", "Hi team,", "Good morning,", ""]
SIGNOFFS = ["Thanks, {name}", "Regards, {name}", "Best, {name}", "{name}", "Cheers, {name}"]
CONTACTS = ["You can reach me at {email} or {phone}.", "My email is {email}.", "Call me on {phone}.",
            "Contact: {email}, {phone}.", ""]


def luhn_card(rng: random.Random) -> str:
    prefix = rng.choice(["4", "51", "52", "37", "6011"])
    length = 15 if prefix == "37" else 16
    digits = [int(c) for c in prefix] + [rng.randrange(10) for _ in range(length - len(prefix) - 1)]
    total = 0  # Luhn check digit over the payload, doubling every second digit from the right
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    digits.append((10 - total % 10) % 10)
    s = "".join(map(str, digits))
    return " ".join(s[i:i + 4] for i in range(0, len(s), 4)) if rng.random() < 0.6 else s


def iban(rng: random.Random) -> str:
    country, bban_len = rng.choice([("DE", 18), ("GB", 18), ("FR", 23), ("NL", 14), ("ES", 20)])
    if country in ("GB", "NL"):
        bank = "".join(rng.choice(string.ascii_uppercase) for _ in range(4))
        bban = bank + "".join(str(rng.randrange(10)) for _ in range(bban_len - 4))
    else:
        bban = "".join(str(rng.randrange(10)) for _ in range(bban_len))
    # ISO 13616 check digits: move country + "00" to the end, letters -> numbers, mod 97
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    check = 98 - int(numeric) % 97
    s = f"{country}{check:02d}{bban}"
    return " ".join(s[i:i + 4] for i in range(0, len(s), 4)) if rng.random() < 0.5 else s


def phone(rng: random.Random) -> str:
    n = lambda k: "".join(str(rng.randrange(10)) for _ in range(k))  # noqa: E731
    return rng.choice([f"+1 ({n(3)}) {n(3)}-{n(4)}", f"+44 7{n(3)} {n(6)}", f"+49 151 {n(8)}",
                       f"({n(3)}) {n(3)}-{n(4)}", f"+33 6 {n(2)} {n(2)} {n(2)} {n(2)}"])


def slots(rng: random.Random, first: str, last: str) -> dict[str, str]:
    city, post = rng.choice(CITIES)
    card = luhn_card(rng)
    return {
        "name": f"{first} {last}",
        "email": f"{first.lower()}.{last.lower()}{rng.randrange(100)}@{rng.choice(MAIL_DOMAINS)}",
        "email2": f"{first[0].lower()}{last.lower()}@{rng.choice(MAIL_DOMAINS)}",
        "phone": phone(rng),
        "card": card,
        "card_last4": card.replace(" ", "")[-4:],
        "expiry": f"{rng.randrange(1, 13):02d}/{rng.randrange(27, 32)}",
        "iban": iban(rng),
        "address": f"{rng.randrange(1, 250)} {rng.choice(STREETS)}, {city} {post}",
        "ip": f"{rng.randrange(11, 223)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
        "api_key": "sk_live_" + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(24)),
        "ssn": f"{rng.randrange(100, 666)}-{rng.randrange(10, 100)}-{rng.randrange(1000, 10000)}",
        "order": f"#{rng.randrange(100000, 999999)}",
        "customer_id": f"ACME-{rng.randrange(10**7, 10**8)}",
        "amount": rng.choice(["$", "EUR ", "GBP "]) + f"{rng.randrange(5, 900)}.{rng.randrange(100):02d}",
    }


def make_ticket(rng: random.Random) -> tuple[str, str, str]:
    """Returns (ticket text, department, priority)."""
    department = rng.choice(sorted(ISSUES))
    priority = rng.choices(["high", "normal", "low"], weights=[3, 4, 3])[0]
    first, last = rng.choice(FIRST), rng.choice(LAST)
    s = slots(rng, first, last)
    parts = [rng.choice(GREETINGS), rng.choice(ISSUES[department]).format(**s)]
    if priority == "high":
        cue = rng.choice(HIGH_CUES)
        if cue == "URGENT:":
            parts.insert(0, cue)  # a subject-line style prefix
        else:
            parts.append(cue)
    elif priority == "low":
        parts.append(rng.choice(LOW_CUES))
    parts.append(rng.choice(CONTACTS).format(**s))
    parts.append(rng.choice(SIGNOFFS).format(**s))
    if rng.random() < 0.3:
        parts.append(f"Customer id: {s['customer_id']}")
    text = " ".join(p for p in parts if p)
    return text, department, priority


def make_record(rng: random.Random) -> dict:
    text, department, priority = make_ticket(rng)
    answer = {"department": department, "priority": priority, "reply": REPLIES[(department, priority)]}
    return {"messages": [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": text},
        {"role": "assistant", "content": json.dumps(answer)},
    ]}


def malformed_lines(rng: random.Random) -> list[str]:
    """10 lines: bad JSON on line 3, no `messages` on line 7, role "robot" on line 9."""
    lines = [json.dumps(make_record(rng)) for _ in range(10)]
    lines[2] = lines[2][: len(lines[2]) // 2]  # truncated mid-object
    rec7 = make_record(rng)
    lines[6] = json.dumps({"conversation": rec7["messages"]})
    rec9 = make_record(rng)
    rec9["messages"][2]["role"] = "robot"
    lines[8] = json.dumps(rec9)
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(Path(__file__).parent / "datasets"))
    ap.add_argument("--records", type=int, default=600)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    with open(out / "support-tickets.jsonl", "w", encoding="utf-8") as f:
        for _ in range(args.records):
            f.write(json.dumps(make_record(rng)) + "\n")
    with open(out / "malformed-chat.jsonl", "w", encoding="utf-8") as f:
        f.write("\n".join(malformed_lines(random.Random(args.seed + 1))) + "\n")
    print(f"wrote {args.records} records to {out / 'support-tickets.jsonl'} and 10 lines to "
          f"{out / 'malformed-chat.jsonl'}")


if __name__ == "__main__":
    main()
