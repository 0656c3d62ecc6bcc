"""Source text that talks to the model instead of informing the reader, and answer sentences that rest on it.

Two uses:
  * `addresses_model(sentence)`: a sentence built like an order to whoever processes the document
    (an AI/assistant addressed, "you" told what to output, an output order that refers to the
    conversation). It joins the redaction in rag/answer.py: such sentences never reach the model.
  * `untrusted_support(claim, question, passages)`: verification's second line, for where
    redaction missed. A generated sentence that an obedient model copied from an attack is
    "supported" (the attacking source does contain it), so the checker keeps it. This hides it
    when every source sentence that holds it either is order-like (`cues` strong), or is off
    the question's topic (no key term of the question, and the reader, when there is one, does
    not score it as answering) while carrying two kinds of order cue or sitting in a passage that
    holds an order. A sentence that a clean, on-topic source sentence supports is never touched.

The cues are kinds of address (who is addressed, what is ordered, what it refers to), in
several languages, not phrases of known attacks. They were written and tuned on the dev half of
evals/datasets/injection.jsonl with the redaction turned off (`python -m evals.injection`); the
held-out half is reported. False positives are measured on ordinary prose and manuals (same
command). Left out: languages beyond the listed ones (a Japanese order gets through unless it
names an AI), paraphrased support (only sentences holding most of the claim's key terms count),
and orders hidden in images or encodings (base64, rot13).
"""

from __future__ import annotations

import re
from typing import Sequence

from rag.text import key_terms, sentence_spans

_W = r"(?<![^\W_])"  # word start that also treats "_" as a separator ("final_answer")
_E = r"(?![^\W_])"


def _words(alts: str) -> re.Pattern:
    return re.compile(_W + r"(?:" + alts + r")" + _E, re.I)


# Who is addressed: a machine reader. ("model" alone is too common in prose; "assistant" is
# kept: a job title rarely comes with an output order.)
MACHINE = _words(
    r"a\.?i\.?s?|llms?|gpt\w*|chatbots?|bots?|assistants?|assistente|asistente|assistentin|"
    r"(?:language|ai|dear|the\s+reading)\s+models?|models?\s+reading|sprachmodell\w*|ki|ia|ии|нейросет\w*|ассистент\w*|бот\w*|"
    r"mod[eè]les?\s+de\s+langage|modelos?\s+de\s+lenguaje|modell[oi]\s+linguistic\w*"
) , re.compile(r"助手|模型|人工智能|机器人|アシスタント")
# Second person (a document describing things rarely tells its reader what to output).
YOU = _words(r"you|your|yours|yourself|vous|votre|vos|toi|tu|dein\w*|dich|dir|usted|tú|tus|tuo|tua|tuoi|jij|jouw|uw|você|vocês|teu|ты|тебе|твой|твоя|твои|вы|ваш\w*"), re.compile(r"你|您")
# What is ordered: output, answers, replies.
OUTPUT = _words(
    r"answers?|answering|repl(?:y|ies)|respond\w*|responses?|outputs?|print\w*|say|write|writes|sign|repeat|echo|translate|"
    r"summar(?:y|ies|ise|ize|ising|izing)|return|tokens?|state\s+(?:that|only)|"
    r"r[ée]pon\w*|[ée]cri[svt]\w*|dis|dites|affiche\w*|antwort\w*|schreib\w*|sag|sage|gib|ausgabe|"
    r"respuesta|respond[ae]\w*|escrib[ae]\w*|contesta\w*|rispost\w*|rispond\w*|scrivi|antwoord\w*|schrijf|zeg|uitvoer|"
    r"respost\w*|escrev[ae]\w*|diga|ответ\w*|напиши\w*|скажи|выведи\w*|вывод\w*"
), re.compile(r"回答|回复|输出|答复")
# How: restriction ("only X") and obligation ("must", "always").
ONLY = _words(
    r"only|just|solely|exclusively|nothing\s+(?:else|but)|instead|verbatim|exactly|"
    r"uniquement|seulement|nur|ausschließlich|solo|solamente|únicamente|soltanto|alleen|apenas|somente|только"
), re.compile(r"只|仅")
MUST = _words(
    r"must|always|is\s+to|are\s+to|toujours|doi[st]|devez|immer|muss|musst|müssen|siempre|debes?|deben|sempre|deve|devi|devono|"
    r"altijd|moet|moeten|всегда|должен\w*"
), re.compile(r"必须")
# What it refers to: the conversation, its instructions, the document as read by a machine.
META = _words(
    r"instructions?|prompts?|guidelines|guidance|directives?|configuration|previous|earlier|preceding|"
    r"(?:every|any|each|all)\s+(?:questions?|quer(?:y|ies)|requests?|messages?)|the\s+user|the\s+reader|reading\s+this|"
    r"(?:this|the)\s+(?:page|document|paragraph|passage|conversation|chat)|"
    r"consignes|précédent\w*|anweisung\w*|bisherig\w*|instrucciones|anterior\w*|istruzion\w*|precedent\w*|"
    r"opdracht\w*|instructies|eerdere|instruç\w*|инструкц\w*|предыдущ\w*"
), re.compile(r"指令|指示|之前|以上")
# An order opening a sentence or clause: "Reply to ...", "...: print X", "Ignorez ...".
ORDER_VERB = re.compile(
    r"(?:^|[:;]\s*)\W*(?:please\s+|now\s+|then\s+|just\s+|simply\s+|always\s+)?(?:"
    r"answer|reply|respond|say|write|print|output|return|tell|repeat|translate|sign|ignore|forget|disregard|"
    r"réponds|répondez|écris|écrivez|dis|dites|ignore[zs]?|oublie[zs]?|antworte|schreib\w*|sag|sage|gib|vergiss|ignoriere|"
    r"responde|escribe|di|olvida|ignora|rispondi|scrivi|dimentica|antwoord|schrijf|zeg|vergeet|negeer|"
    r"responda|escreva|diga|esqueça|ответь|напиши|скажи|игнорируй|забудь"
    r")\b",
    re.I,
)
_ZERO_WIDTH = re.compile(r"[\u200b-\u200f\u2060-\u2064\ufeff\u00ad]")
_SPACED = re.compile(r"\b(?:\w ){3,}\w\b")  # "I g n o r e"


def _has(pats, text: str) -> bool:
    return any(p.search(text) for p in pats)


def cues(sentence: str) -> set[str]:
    """Which kinds of address a sentence holds: machine, you, output, only, must, meta, order."""
    s = _ZERO_WIDTH.sub("", sentence)
    s = _SPACED.sub(lambda m: m.group(0).replace(" ", ""), s)
    kinds = (("machine", MACHINE), ("you", YOU), ("output", OUTPUT), ("only", ONLY), ("must", MUST), ("meta", META))
    out = {name for name, pats in kinds if _has(pats, s)}
    if ORDER_VERB.search(s):
        out.add("order")
    return out


def strong(c: set[str]) -> bool:
    """The cue combinations that make an order to the model."""
    return bool(
        ("machine" in c and c & {"output", "meta", "order", "you"})
        or ("you" in c and "output" in c and c & {"only", "meta"})
        or ("order" in c and c & {"only", "must", "meta", "you", "machine"})
        or ("output" in c and "meta" in c and c & {"only", "must"})
    )


def addresses_model(sentence: str) -> bool:
    return strong(cues(sentence))


def _fold(s: str) -> str:
    return " ".join(_ZERO_WIDTH.sub("", s).lower().split()).strip(" .!?;:,\"'")


def support_sentences(claim: str, passage: str) -> list[str]:
    """The sentences of `passage` a claim rests on: those that quote it (or that it quotes), else
    those holding most of its key terms (at least half)."""
    sents = [passage[s:e] for s, e in sentence_spans(passage)] or [passage]
    c = _fold(claim)
    if not c:
        return []
    quoted = [s for s in sents if c in _fold(s) or (len(_fold(s)) > 3 and _fold(s) in c)]
    if quoted:
        return quoted
    ct = set(key_terms(claim))
    if not ct:
        return []
    scored = [(len(ct & set(key_terms(s))) / len(ct), s) for s in sents]
    best = max(r for r, _ in scored)
    return [s for r, s in scored if r >= max(best, 0.5)] if best >= 0.5 else []


def on_topic(question: str, sentence: str, reader=None) -> bool:
    """Shares a key term with the question, or the reader (optional) scores it as answering it."""
    if set(key_terms(question)) & set(key_terms(sentence)):
        return True
    if reader is not None:
        return float(reader.answers(question, [sentence])[0]) >= 0.5
    return False


def untrusted_support(claim: str, question: str, passages: Sequence[str], reader=None) -> str:
    """Why `claim` rests only on untrusted source text ("" when some trusted sentence supports it).

    `passages`: every retrieved passage's text (a claim any clean passage supports is kept)."""
    reasons = []
    for p in passages:
        sents = support_sentences(claim, p)
        if not sents:
            continue
        tainted = None  # computed once per passage, only when needed
        for s in sents:
            c = cues(s)
            if strong(c):
                reasons.append("rests on a sentence addressed to the model")
                continue
            if not on_topic(question, s, reader):
                if tainted is None:
                    tainted = any(addresses_model(p[a:b]) for a, b in sentence_spans(p))
                # One weak cue alone is ordinary prose ("agreed not to return to ..."): measured on the
                # generated suite (seeds questions), where it hid 12 faithful sentences.
                if tainted or len(c) >= 2:
                    reasons.append("rests on an off-topic sentence " + ("of a passage that gives orders" if tainted else f"with order cues ({', '.join(sorted(c))})"))
                    continue
            return ""  # a trusted sentence supports it
    return reasons[0] if reasons else ""
