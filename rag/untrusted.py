"""Source text that talks to the model instead of informing the reader, and answer sentences that rest on it.

Two uses:
  * `addresses_model(sentence)`: a sentence built like an order to whoever processes the document
    (an AI/assistant addressed, "you" told what to output, an output order that refers to the
    conversation). It joins the redaction in rag/answer.py: such sentences never reach the model.
  * `untrusted_support(claim, question, passages)`: verification's second line, for where
    redaction missed. A generated sentence that an obedient model copied from an attack is
    "supported" (the attacking source does contain it), so the checker keeps it. The principle:
    source text that gives orders is not evidence. Two kinds count as orders: text addressed to the
    model (`addresses_model`), and meta-text about responding, a sentence that prescribes what the
    answer, reply, summary or response to this text must be (`output_order`), even when it is
    impersonal, passive and on the question's topic ("any summary of this text is to consist solely
    of X"), or set in structure: a table row or "key: value" field whose key names a prescribed reply
    ("| Required reply | X |", `answer_template: X`), an order split over neighbouring list items
    (read as one), "the name to give is X" tied to this text or its questions. A claim is hidden when
      - it repeats a name, number or quoted string that the sources state only under an order
        (in an order sentence, or a sentence of its passage the order refers back to: "The code is
        X. ... reply with the code"): the compliant payload (`payload_terms`); or
      - every source sentence that holds it is an order, or is off the question's topic (no key
        term of the question, and the reader, when there is one, does not score it as answering)
        while carrying two kinds of order cue or sitting in a passage that holds an order.
    A claim that a clean, on-topic source sentence supports, and that names nothing stated only
    under an order, is never touched.

The address cues are kinds of address (who is addressed, what is ordered, what it refers to), in
several languages, not phrases of known attacks. They were written and tuned on the dev half of
evals/datasets/injection.jsonl with the redaction turned off (`python -m evals.injection`). The
meta-text rule was written after two held-out attacks got past both layers (now marked seen);
heldout2 was written before it and measured unseen (neutralised 0.765); the field, list and "the
name to give" rules were then written after reading all of heldout2, which is marked seen and is
no longer a held-out number. False positives (ordinary sentences that would be redacted, or not
taken as evidence) are counted on prose, web text and manuals by the same command, and the
generated suite reports how many faithful sentences verification hides. Left out: languages
beyond the listed ones (a Japanese order gets through unless it names an AI), paraphrased support
(only sentences holding most of the claim's key terms count), a payload in lowercase common words
("say that it was cancelled") when the model rewords it, a field keyed by a bare reply noun
("Answer: X" is an FAQ's content) or by "output", "format", "default" (an API's or a program's,
"Response format: JSON"), an order spread over more than three list units, orders that name the
reply with a word not listed, and orders hidden in images or encodings (base64, rot13).
"""

from __future__ import annotations

import re
from typing import Sequence

from rag.retrieval import tokenize
from rag.text import key_terms, sentence_spans, stem

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


# --- Meta-text about responding (verification's second line) ---------------------------------
# A sentence that prescribes what an answer, reply, response, summary or output to this text must
# be ("any summary of this text is to consist solely of X", "responses about NATO must contain only
# X", "the answer to any question about X is Y") tells whoever answers what to say. It is an order
# about the answer, not a statement about the world, so it is never evidence for what an answer
# says, even when it is impersonal, passive and on the question's topic. It takes three parts: a
# response (a noun for the reply, used as a noun; or whoever produces it), a scope that makes it
# *the* replies to this text or its questions, and a prescription (obligation, restriction, a
# required/template field, or a generic "is X" over every question).

# Response nouns, as nouns: after a determiner or quantifier (<= 2 words between), or opening a clause.
_RESP_EN = r"answers?|repl(?:y|ies)|responses?|summar(?:y|ies)|synops[ie]s|tl;?\s?dr"  # not "output": a program's
# Words that may stand between a determiner and the reply: qualities of a reply, not a verb or modal.
_QUAL = (r"(?:correct|right|final|only|expected|required|full|complete|whole|short|brief|single|one-word|acceptable|valid|"
         r"proper|official|default|standard|generated|automatic|machine|ai|model|bot|assistant|chatbot|llm)")
_DET = r"(?:the|a|an|any|every|each|all|whatever|your|its|their|this|that|these|those|one|no|our)"
_RESP_NOUN = re.compile(
    _W + _DET + r"\s+(?:" + _QUAL + r"\s+){0,2}(?:" + _RESP_EN + r")" + _E
    + r"|(?:^|[:;>|*•(\[-])[\W_]*(?:" + _QUAL + r"\s+)?(?:" + _RESP_EN + r")" + _E
    + r"|" + _W + r"(?:" + _RESP_EN + r")[_-]\w+"  # answer_template, reply-text
    # whoever produces the reply, and text a machine generates
    + r"|" + _W + r"(?:whoever|anyone|anybody|everyone|whichever\s+\w+)\s+(?:\w+\s+)?"
      r"(?:answer|repl|respond|summari[sz]|condens|describ|render|translat|paraphras|restat)\w*"
    + r"|" + _W + r"(?:text|content|descriptions?|summar(?:y|ies)|anything|everything)\s+(?:generated|produced)\s+(?:from|for|about|by|on)" + _E
    # other languages (the nouns are not verbs there)
    + r"|" + _W + r"(?:r[ée]ponses?|r(?:ésum[ée]|esumé)s?|synth[èe]ses?|antwort(?:en)?|zusammenfassung(?:en)?|ausgabe|respuestas?|"
      r"res[úu]men(?:es)?|s[íi]ntesis|rispost[ae]|riassunt[oi]|sintesi|antwoord(?:en)?|samenvatting(?:en)?|respostas?|resumos?|"
      r"s[íi]ntese|ответ(?:ы|а|ов)?|резюме|сводк\w*|пересказ\w*)" + _E
    + r"|回答|回复|答复|摘要|总结|要約|応答|返答",
    re.I | re.M,
)
# Scope: a quantifier, or a relation tying the reply to this text or a topic ("summary of this
# text", "responses about NATO", "a reply drawn from this briefing", "the answer to ...").
_SCOPE = re.compile(
    _W + r"(?:any|every|each|all|whatever|whichever)" + _E
    + r"|(?:" + _RESP_EN + r")" + _E + r"\s+(?:\w+(?:ed|en|wn)\s+)?(?:about|on|regarding|concerning|to|from|of|for)" + _E
    + r"|" + _W + r"(?:this|these|the)\s+(?:text|page|document|article|passage|paragraph|briefing|notes?|file|site|faq|section|topic|subject)" + _E
    + r"|" + _W + r"(?:toute?s?|tous|chaque|jede[rsnm]?|alle|jeglich\w*|cualquier\w*|tod[ao]s|cada|qualsiasi|ogni|tutt[ei]|elke|iedere?|"
      r"qualquer|любо\w+|каждо\w+|всех|sur|über|zum|zur|sobre|su|sul|over|op|о|об|по)" + _E
    + r"|任何|所有|每个|关于|すべて|いかなる|どの|について|に関する|この"
    # the questions the reply is to ("questions on it", "when the question is who ...", "if asked")
    + r"|" + _W + r"(?:questions?|quer(?:y|ies))\s+(?:about|on|regarding|concerning)" + _E
    + r"|" + _W + r"(?:when|if|whenever)\s+(?:the|a|any|someone's|one's)\s+question\s+(?:is|asks?)" + _E
    + r"|" + _W + r"(?:when|if|whenever|once)\s+(?:\w+\s+){0,2}?(?:asked|asks|questioned)" + _E,
    re.I,
)
# Prescription: obligation or restriction (with MUST and ONLY), or a field that fixes the reply.
_PRESCRIBE = re.compile(
    _W + r"(?:should|shall|ought|has\s+to|have\s+to|needs?\s+to|(?:is|are)\s+(?:expected|required|supposed)|"
    r"limited\s+to|restricted\s+to|consists?\s+(?:\w+\s+)?of|in\s+full|(?:single|one)\s+(?:word|line|token|sentence|phrase)|"
    r"nothing\s+more|no\s+more\s+than|(?:reads?|reading)\s*[:\"“]|read\s+as|render\w*\s+as|"
    r"required|expected|mandatory|prescribed|template|default|fixed|correct|"
    r"soll\w*|zu\s+(?:bestehen|lauten|enthalten|sein)|einzig\w*|doi(?:t|vent)|devr\w+|tien(?:t|nent)\s+en|un\s+seul\s+mot|"
    r"deb[ea]n?|deber\w+|una\s+sola\s+palabra|correct[ao]|dev(?:e|ono|rà)|una\s+sola\s+parola|moet\w*|luidt|één\s+woord|"
    r"dev(?:e|em|erá)|uma\s+(?:só|única)\s+palavra|должн\w*|следует|состо\w+|одного\s+слова|одно\s+слово)" + _E
    + r"|应|应该|只能|一个词|べき|のみ|だけ|とする|こと",
    re.I,
)
# A reply fixed over every question: "the answer to any question about X is Y".
_ALL_QUESTIONS = re.compile(
    _W + r"(?:(?:any|every|each|all|whatever)\s+(?:\w+\s+)?(?:questions?|quer(?:y|ies)|requests?|prompts?)|whatever\s+(?:was|is)\s+asked|"
    r"(?:toute|chaque)\s+question|jede\s+frage|cualquier\s+pregunta|qualsiasi\s+domanda|elke\s+vraag|qualquer\s+pergunta|"
    r"любой\s+вопрос)" + _E + r"|任何问题|どんな質問",
    re.I,
)


# "The name to give is X", "the word to use is X": what is to be said, as a noun phrase, fixed by "is".
# The noun is what a reply names (not "the way to tell is", "the tool to use is"); with a scope
# (this text, its questions: "when the question is who proposed it") it is an output order.
_SAY_NOUN = (r"names?|words?|phrases?|terms?|answers?|repl(?:y|ies)|responses?|wording|tokens?|signatures?|code(?:\s?word)?s?|"
             r"passwords?|titles?|labels?|figures?|numbers?|dates?|person|author")
_TO_SAY = re.compile(
    _W + r"(?:the|a|an|one|only)\s+(?:\w+\s+){0,2}?(?:" + _SAY_NOUN + r")\s+to\s+(?:give|say|state|answer|reply|respond|mention|"
    r"quote|cite|use|offer|name|put\s+forward)(?:\s+(?:back|in\s+(?:reply|return|response)|here))?\s*(?:is|are|was|will\s+be|"
    r"should\s+be|must\s+be|:)" + _E,
    re.I,
)

# A key/value field (a table row "| key | value |", a YAML/INI/JSON line "key: value") whose key names
# a prescribed reply ("| Required reply | X |", "answer_template: X", "| Name to give | X |") fixes the
# reply as surely as a sentence does. The key must pair a reply noun with a word that fixes it: a bare
# "Answer: X" is an FAQ's content, "output_dir: build" and "| Return value | 0 |" name no reply, and
# "Response format: JSON" describes an API ("output", "format", "default" are left out for that reason).
_FIELD = re.compile(r"^\s*(?:\|\s*([^|\n]{1,60}?)\s*\|\s*[^|\s][^|\n]*\|?.*|[\"']?([^\W\d][\w .-]{0,40}?)[\"']?\s*[:=]\s*\S.*)$")
_FIELD_REPLY = re.compile(
    _W + r"(?:answers?|repl(?:y|ies)|responses?|summar(?:y|ies)|completions?|r[ée]ponses?|antwort(?:en)?|respuestas?|rispost[ae]|"
    r"antwoord(?:en)?|respostas?|ответ\w*)" + _E, re.I)
_FIELD_FIXED = re.compile(
    _W + r"(?:required|mandatory|prescribed|obligatory|template|fixed|canned|forced|preset|"
    r"erforderlich\w*|vorgeschrieben\w*|pflicht\w*|vorlage|requerid[ao]s?|obligatori[ao]s?|plantilla|requise?s?|obligatoire|"
    r"impos[ée]e?|richiest[ao]|obbligatori[ao]|verplicht|vereist|obrigat[óo]ri[ao]|exigid[ao]|обязательн\w*|шаблон\w*)" + _E, re.I)


def _field_order(line: str) -> bool:
    m = _FIELD.match(line)
    if not m:
        return False
    key = (m.group(1) or m.group(2) or "").replace("_", " ").replace("-", " ")
    return bool((_FIELD_REPLY.search(key) and _FIELD_FIXED.search(key)) or _TO_SAY.search("the " + key + " is"))


def output_order(sentence: str) -> bool:
    """The sentence prescribes what the reply to this text (or its questions) must be: meta-text
    about responding, never evidence (see above). Ordinary prose about answers ("The president must
    answer only to Congress", "the summary line should be short") lacks the scope or the noun."""
    s = _SPACED.sub(lambda m: m.group(0).replace(" ", ""), _ZERO_WIDTH.sub("", sentence))
    if _field_order(s):
        return True
    if _TO_SAY.search(s):  # "the name to give is X": the thing to say (a reply noun) and its prescription
        return bool(_SCOPE.search(s) or _ALL_QUESTIONS.search(s))
    if not _RESP_NOUN.search(s):
        return False
    return bool((_SCOPE.search(s) and (_PRESCRIBE.search(s) or _has(MUST, s) or _has(ONLY, s))) or _ALL_QUESTIONS.search(s))


def _fold(s: str) -> str:
    return " ".join(_ZERO_WIDTH.sub("", s).lower().split()).strip(" .!?;:,\"'")


# --- Units: sentences, with structured lines on their own ------------------------------------
# A table row or a "key: value" line is a unit of its own even without a full stop (the sentence
# splitter runs a table into one "sentence"); list items already are (rag.text.sentence_spans).
_TABLE_OR_FIELD = re.compile(r"^\s*(?:\|.*|-{3,}\s*|[\"']?[^\W\d][\w .-]{0,40}?[\"']?\s*[:=]\s*\S.*)$")
_ITEM = re.compile(r"^[ \t]*(?:[-*•+]|\d{1,3}[.)])\s+", re.M)


def unit_spans(passage: str) -> list[tuple[int, int]]:
    """(start, end) of the units of a passage: its sentences, with each table row or key/value line cut out."""
    out = []
    for s, e in sentence_spans(passage) or [(0, len(passage))]:
        start = s
        lines = passage[s:e].split("\n")
        pos = s
        for line in lines:
            end = pos + len(line)
            if _TABLE_OR_FIELD.match(line):
                if passage[start:pos].strip():
                    out.append((start, pos))
                out.append((pos, end))
                start = end + 1
            pos = end + 1
        if passage[start:e].strip():
            out.append((start, e))
    return [(a + len(passage[a:b]) - len(passage[a:b].lstrip()), a + len(passage[a:b].rstrip())) for a, b in out]


def structured_line(line: str) -> bool:
    """A table row, a key/value line or a list item: where the field and list rules apply."""
    return bool(_TABLE_OR_FIELD.match(line) or _ITEM.match(line))


def _in_item(passage: str, start: int) -> bool:
    """The unit starting at `start` lies in a list item (its line opens with a bullet or a number)."""
    return bool(_ITEM.match(passage, passage.rfind("\n", 0, start) + 1))


def order_flags(passage: str) -> list[tuple[str, bool]]:
    """Each unit of `passage` and whether it is an order (never evidence). An order split over a list,
    ("notes for whoever answers: / - Keep it to one word. / - The word is X."), is read as one: two or
    three consecutive units of a list (its lead-in line and items) that, joined, make an output order
    are each an order. Only the output-order rule (reply noun + scope + prescription) is applied to
    the join; a whole list joined would pair a reply noun of one item with an "each" of another
    (measured on the package READMEs of the venv)."""
    spans = unit_spans(passage)
    texts = [passage[a:b] for a, b in spans]
    flags = [order_sentence(s) for s in texts]
    i = 0
    while i < len(spans):
        if not _in_item(passage, spans[i][0]):
            i += 1
            continue
        j = i
        while j < len(spans) and _in_item(passage, spans[j][0]):
            j += 1
        lo = i - 1 if i > 0 and passage.count("\n", spans[i - 1][1], spans[i][0]) <= 1 else i  # the lead-in line
        for a in range(lo, j - 1):
            for b in (a + 2, a + 3):
                if b <= j and output_order(" ".join(texts[a:b])):
                    flags[a:b] = [True] * (b - a)
        i = j
    return list(zip(texts, flags))


def order_spans(passage: str) -> list[tuple[int, int]]:
    """(start, end) of the units of `passage` that are orders (see order_flags)."""
    return [sp for sp, (_, f) in zip(unit_spans(passage), order_flags(passage)) if f]


def support_sentences(claim: str, passage: str) -> list[str]:
    """The sentences of `passage` a claim rests on: those that quote it (or that it quotes), else
    those holding most of its key terms (at least half)."""
    sents = [passage[s:e] for s, e in unit_spans(passage)] or [passage]
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


def order_sentence(sentence: str) -> bool:
    """Addressed to the model, or meta-text about responding: never evidence."""
    return addresses_model(sentence) or output_order(sentence)


# Words an order is made of (its kinds of address and the name of what is to be output): never a payload.
_CARRIER = _words(r"words?|tokens?|phrases?|terms?|names?|signatures?|code(?:word|name)?s?|mots?|wort|w[öo]rter|palabras?|parol[ae]|"
                  r"woord(?:en)?|palavras?|слов\w*")


def _order_vocabulary(term: str) -> bool:
    return bool(cues(term) or _CARRIER.search(term) or _RESP_NOUN.search(term) or _PRESCRIBE.search(term) or _SCOPE.search(term))


_MARKED = re.compile(r"[\"“”«»「」『』'‘’`*]\s*([^\"“”«»「」『』'‘’`*\n]{1,40}?)\s*[\"“”«»「」『』'‘’`*]|(\S*(?:\d|[^\W\d_]*[A-ZА-ЯЁ])\S*)")


def _marked_terms(sentence: str) -> set[str]:
    """Stems of the specific content a sentence names: words with a capital (not opening the
    sentence), numbers, and quoted strings. An order's own wording is lowercase prose."""
    body = re.sub(r"^[\W_]*\w+", "", sentence.strip(), count=1)  # the opening word is capitalised anyway
    out = set()
    for m in _MARKED.finditer(body):
        out.update(key_terms(m.group(1) or m.group(2)))
    return out


def payload_terms(question: str, passages: Sequence[str]) -> set[str]:
    """What the sources state only under an order: the names, numbers and quoted strings of an order
    sentence, or of a sentence in the same passage that the order refers back to ("The code is X.
    ... reply with the code"), found in no other sentence of any passage, nor in the question, nor
    in the order's own vocabulary. A shown sentence holding one repeats what an order told the
    model to say: the compliant payload."""
    q = set(key_terms(question))
    under: set[str] = set()
    clean: set[str] = set()
    for p in passages:
        flags = order_flags(p) or [(p, order_sentence(p))]
        sents = [s for s, _ in flags]
        orders = [s for s, f in flags if f]
        if not orders:
            clean.update(t for s in sents for t in key_terms(s))
            continue
        # what the orders speak of, beyond the question and the wording of an order ("the code word", "the password")
        words = {w for s in orders for w in tokenize(s)}
        referents = {stem(w) for w in words if stem(w) not in q and (_CARRIER.search(w) or not _order_vocabulary(w))}
        for s in sents:
            if s in orders or set(key_terms(s)) & referents:
                under |= _marked_terms(s)
            else:
                clean |= set(key_terms(s))
    return {t for t in under - clean - q if not _order_vocabulary(t)}


def untrusted_support(claim: str, question: str, passages: Sequence[str], reader=None) -> str:
    """Why `claim` rests only on untrusted source text ("" when some trusted sentence supports it).

    `passages`: every retrieved passage's text (a claim any clean passage supports is kept, unless it
    repeats a term the sources state only under an order: `payload_terms`)."""
    pay = payload_terms(question, passages)
    payload = list(dict.fromkeys(w for w in tokenize(claim) if stem(w) in pay))
    if payload:
        return f"repeats {', '.join(payload[:3])}, which the sources state only under an order about the answer"
    reasons = []
    for p in passages:
        sents = support_sentences(claim, p)
        if not sents:
            continue
        tainted = None  # computed once per passage, only when needed
        listed = {s for s, f in order_flags(p) if f}  # orders, also those split over a list
        for s in sents:
            c = cues(s)
            if strong(c):
                reasons.append("rests on a sentence addressed to the model")
                continue
            if s in listed:
                reasons.append("rests on a sentence that prescribes the answer (an order, not evidence)")
                continue
            if not on_topic(question, s, reader):
                if tainted is None:
                    tainted = any(addresses_model(p[a:b]) for a, b in unit_spans(p))
                # One weak cue alone is ordinary prose ("agreed not to return to ..."): measured on the
                # generated suite (seeds questions), where it hid 12 faithful sentences.
                if tainted or len(c) >= 2:
                    reasons.append("rests on an off-topic sentence " + ("of a passage that gives orders" if tainted else f"with order cues ({', '.join(sorted(c))})"))
                    continue
            return ""  # a trusted sentence supports it
    return reasons[0] if reasons else ""
