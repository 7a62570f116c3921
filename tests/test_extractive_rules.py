"""The rules of the offline answerer, one at a time, on small hand-made sources: what a unit
is (tables with wrapped headers and cells, headings, captions, FAQ questions), what a question
singles out (codes, levels, names, figures in ranges), and when the answer is supported."""

from __future__ import annotations

from typing import Any

from retrieval.answer.asks import (
    doer,
    in_range,
    question_codes,
    question_figures,
    question_parts,
    says,
)
from retrieval.answer.context import Source
from retrieval.answer.extractive import (
    Extract,
    ExtractiveAnswerer,
    ScoredUnit,
    states_nothing,
    units_of,
)
from retrieval.answer.near_words import NearWords
from retrieval.answer.support import check_support
from retrieval.types import Chunk, Hit


def source(n: int, text: str, *, doc: str = "d1", section: str = "") -> Source:
    chunk = Chunk(doc_id=doc, version="v1", chunk_index=n, source=f"{doc}.pdf", title=doc,
                  page_start=1, page_end=1, section=section, text=text, groups=("everyone",),
                  n_tokens=len(text.split()), ingested_at="", page_breaks=())
    return Source(n, Hit(chunk, 1.0 / n), len(text.split()))


# A PDF table as ingestion renders it: " | " between cells, header cells wrapped onto a
# second line ("Hotel cap per" / "night"), and a row that stands for every unlisted city.
HOTELS = """4.1 Hotels
Book standard rooms in business hotels close to your destination.
Table 2: Hotel caps and meal per diems by city
City | Country | Hotel cap per | Meal per diem (full | Currency
night | day)
Munich | Germany | 175 | 38 | EUR
Zurich | Switzerland | 260 | 65 | CHF
All other locations | - | 130 | 34 | EUR
5. Other business expenses
Business meals with customers are reimbursed up to EUR 70 per person."""

# Wrapped data cells: a continuation line starts in lower case, or has no pipe at all.
RETENTION = """Table 3: Retention periods
Type of record | Retention period | Notes
Accounting records, invoices and expense | 10 years | From the end of the calendar
claims | year
Personnel files | 3 years after the end of | Stored by HR
employment
Backups of servers | 35 days | Encrypted"""

LEVELS = """Table 1: Benefits by tier
Benefit | Standard tier (L1-L3) | Plus tier (L4-L5)
Annual learning budget | EUR 1,200 | EUR 1,500
Car allowance | Not included | EUR 650 per month"""

FAQ = """Q: Can I bring my dog to the office?
A: No. Only assistance dogs are allowed in the buildings.
Meeting rooms
Rooms are booked in the calendar; a booking lasts at most 4 hours."""


def _rows(text: str) -> list[Any]:
    return [u for u in units_of(source(1, text), 0) if u.is_row]


# -- what a unit is --------------------------------------------------------------------------
def test_a_wrapped_header_is_rejoined_and_the_row_reads_with_full_column_names() -> None:
    rows = _rows(HOTELS)
    assert [r.cells[0] for r in rows] == ["Munich", "Zurich", "All other locations"]
    assert rows[0].display() == ("City: Munich · Country: Germany · Hotel cap per night: 175 · "
                                 "Meal per diem (full day): 38 · Currency: EUR")
    assert rows[0].text == "Munich | Germany | 175 | 38 | EUR"  # the quote, as in the source


def test_wrapped_cells_belong_to_their_row_and_the_quote_stays_in_the_source() -> None:
    rows = _rows(RETENTION)
    assert [r.cells for r in rows] == [
        ("Accounting records, invoices and expense claims", "10 years",
         "From the end of the calendar year"),
        ("Personnel files", "3 years after the end of employment", "Stored by HR"),
        ("Backups of servers", "35 days", "Encrypted")]
    from retrieval.text import locate
    assert all(locate(r.text, RETENTION) is not None for r in rows)


def test_headings_captions_and_faq_questions_are_never_units() -> None:
    texts = [u.text for u in units_of(source(1, FAQ + "\n" + HOTELS), 0)]
    assert not any(t.startswith(("Q:", "Table 2", "Meeting rooms", "4.1 Hotels", "5. Other"))
                   for t in texts)
    assert not any(t.endswith("?") for t in texts)
    assert "Rooms are booked in the calendar; a booking lasts at most 4 hours." in texts
    # the heading is kept as the context of what follows it
    booked = next(u for u in units_of(source(1, FAQ), 0) if u.text.startswith("Rooms"))
    assert "Meeting rooms" in booked.context


def test_list_items_run_together_are_separate_units() -> None:
    text = ("– Offers are made between the minimum and the midpoint. – Salaries above the "
            "maximum need the approval of the director.")
    assert [u.text for u in units_of(source(1, text), 0)] == [
        "Offers are made between the minimum and the midpoint.",
        "Salaries above the maximum need the approval of the director."]


def test_a_passage_that_starts_inside_a_table_borrows_the_header_of_its_document() -> None:
    cut = "Zurich | Switzerland | 260 | 65 | CHF\nAll other locations | - | 130 | 34 | EUR"
    answerer = ExtractiveAnswerer(embedder=None)  # type: ignore[arg-type]
    units = answerer.units([source(1, HOTELS), source(2, cut)])
    borrowed = [u for u in units if u.n == 2]
    assert borrowed[0].display().startswith("City: Zurich · Country: Switzerland")


# -- what a question singles out -------------------------------------------------------------
def test_codes_levels_models_and_years_are_recognised_and_ranges_hold_them() -> None:
    assert question_codes("What's the learning budget for L8 on the EL-420 in 2027?") == {
        "l8", "el-420", "2027"}
    assert question_codes("When is firmware 5.0 coming out?") == {"5.0"}
    assert question_codes("I did a 9.5 hour day on the 12th") == set()  # figures, not codes
    assert says("l2", "standard tier (l1-l3)") and not says("l8", "levels l1 to l7")
    assert says("e601", "e601 | error") and not says("e60", "e601 | error")


def test_a_figure_of_the_question_is_found_in_a_range() -> None:
    assert question_figures("I've been here seven years") == [7.0]
    assert in_range([7], "6 to 9 years") and not in_range([12], "6 to 9 years")
    assert in_range([12], "10 years or more")
    assert in_range([450], "Up to EUR 500") and not in_range([6000], "Up to EUR 500")
    assert in_range([6000], "EUR 2,500.01 to EUR 10,000")


def test_a_row_for_another_city_does_not_answer_and_an_unlisted_one_gets_all_other(
        embedder: Any) -> None:
    answerer = ExtractiveAnswerer(embedder)
    zurich = answerer.answer("What is the hotel cap per night in Zurich?", [source(1, HOTELS)])
    assert not zurich.refused and "260" in zurich.text() and "175" not in zurich.text()
    lisbon = answerer.answer("What is the hotel cap per night in Lisbon?", [source(1, HOTELS)])
    assert not lisbon.refused and lisbon.picks[0].unit.cells[0] == "All other locations"
    assert "130" in lisbon.text()


def test_a_level_or_code_the_sources_do_not_list_is_refused(embedder: Any) -> None:
    answerer = ExtractiveAnswerer(embedder)
    l4 = answerer.answer("What is the annual learning budget at level L4?", [source(1, LEVELS)])
    assert not l4.refused and "EUR 1,500" in l4.text()
    l8 = answerer.answer("What is the annual learning budget at level L8?", [source(1, LEVELS)])
    assert l8.refused


def test_a_name_question_needs_a_name(embedder: Any) -> None:
    answerer = ExtractiveAnswerer(embedder)
    text = ("The works council represents all employees. It meets every month. "
            "The chair of the works council is Lukas Fendrich.")
    found = answerer.answer("Who chairs the works council?", [source(1, text)])
    assert not found.refused and "Lukas Fendrich" in found.text()
    nameless = answerer.answer("Who chairs the works council?",
                               [source(1, "The works council represents all employees.")])
    assert nameless.refused


APPROVALS = """Table 1: Approval thresholds for business trips
Estimated total cost of the trip | Approver | Additional requirement
Up to EUR 500 | Line manager | None
EUR 500.01 to EUR 2,500 | Department head | None
EUR 2,500.01 to EUR 10,000 | Chief Financial Officer | Budget check by Controlling"""


def test_a_row_for_a_range_that_excludes_the_asked_figure_does_not_answer(
        embedder: Any) -> None:
    """The row for "EUR 2,500.01 to EUR 10,000" is the answer for other trips, and a role
    under a "who" column ("Approver") answers a "who" question."""
    answerer = ExtractiveAnswerer(embedder)
    small = answerer.answer("Who approves a trip that will cost around EUR 450?",
                            [source(1, APPROVALS)])
    assert not small.refused and "Line manager" in small.text(), small.text()
    assert "Chief Financial Officer" not in small.text()
    big = answerer.answer("Who approves a trip that costs EUR 6,000?", [source(1, APPROVALS)])
    assert "Chief Financial Officer" in big.text() and "Line manager" not in big.text()


def test_a_count_is_not_an_ordinal_and_a_mailbox_question_needs_an_address(
        embedder: Any) -> None:
    answerer = ExtractiveAnswerer(embedder)
    floor = "The Graz office is on the second floor of a converted warehouse."
    assert answerer.answer("How many desks are there in the Graz office?",
                           [source(1, floor)]).refused
    intake = ("Complaints about harassment are taken seriously. "
              "Send complaints by e-mail to hr-cases@example.org or talk to HR.")
    found = answerer.answer("Which mailbox do harassment complaints go to?",
                            [source(1, intake)])
    assert not found.refused and "hr-cases@example.org" in found.text()
    assert answerer.answer("Which mailbox do harassment complaints go to?",
                           [source(1, "Complaints about harassment are taken seriously.")]
                           ).refused


PRICE_SHEET = """Order code: EL-1 · Product: Gateway, Standard · List price: EUR 689
Order code: EL-2 · Product: Gateway, Cellular · List price: EUR 849
Order code: SRV-D · Product: On-site commissioning, per day · List price: EUR 980"""


def test_a_spreadsheet_row_written_column_by_column_is_one_row_unit(embedder: Any) -> None:
    """Rows as the spreadsheet reader writes them ("Column: value · …") are rows with their
    column names, not one run-on sentence."""
    units = units_of(source(1, PRICE_SHEET), 0)
    assert [u.is_row for u in units] == [True, True, True]
    assert units[1].cells == ("EL-2", "Gateway, Cellular", "EUR 849")
    found = ExtractiveAnswerer(embedder).answer("What is the list price of the EL-2?",
                                                [source(1, PRICE_SHEET)])
    assert not found.refused and "EUR 849" in found.text() and "EUR 689" not in found.text()


def test_a_label_after_a_bullet_without_a_full_stop_starts_a_new_statement() -> None:
    slide = ("Final quiz\n• Two attempts; a third attempt after 7 days\n"
             "Speaker notes: The quiz is in the learning portal.")
    texts = [u.text for u in units_of(source(1, slide), 0)]
    assert "Speaker notes: The quiz is in the learning portal." in texts
    assert not any("7 days Speaker" in t for t in texts)


def test_every_sentence_of_the_answer_carries_its_citation() -> None:
    sentence = units_of(source(3, "Laptops lock after five minutes. Phones lock later."), 0)
    picked = Extract([ScoredUnit(u, 0.5, 0.5, 0.5) for u in sentence], 0.5, False)
    assert picked.text() == "Laptops lock after five minutes [3]. Phones lock later [3]."


# -- supported -------------------------------------------------------------------------------
def test_support_accepts_a_paraphrased_question_and_rejects_another_level() -> None:
    passage = "Passwords for user accounts must be at least 14 characters long."
    right = check_support("How long does my account password need to be?",
                          "Passwords for user accounts must be at least 14 characters long [1].",
                          {1: passage}, False, [passage])
    assert right.supported
    other = "Levels L1 to L7: the bonus target is 5 percent."
    wrong = check_support("What is the bonus target for L8?",
                          "Levels L1 to L7: the bonus target is 5 percent [1].",
                          {1: other}, False, [other])
    assert not wrong.supported
    invented = check_support("How long does my account password need to be?",
                             "Passwords must be at least 99 characters long [1].",
                             {1: passage}, False, [passage])
    assert not invented.supported


# -- table rows said as sentences; "who holds a role" -------------------------------------
def test_a_table_row_is_said_as_a_sentence_about_the_asked_column() -> None:
    from retrieval.answer.row_sentence import row_sentence

    assert row_sentence(["City", "Country", "Hotel cap per night", "Currency"],
                        ["Vienna", "Austria", "150", "EUR"],
                        "And the hotel cap per night in Vienna?") == (
        "The hotel cap per night in Vienna is EUR 150 (Country: Austria).")
    # the row names the measure, the column the case (a transposed table)
    assert row_sentence(["Benefit", "Standard tier (L1-L3)", "Plus tier (L4-L5)"],
                        ["Annual learning budget", "EUR 1,200", "EUR 1,500"],
                        "What is the learning budget at level L4?") == (
        "The annual learning budget for plus tier (L4-L5) is EUR 1,500 "
        "(Standard tier (L1-L3): EUR 1,200).")
    # a range in the first column says what it counts
    assert row_sentence(["Completed years of service", "Paid leave days per year"],
                        ["10 years or more", "32"], "How many leave days after 12 years?") == (
        "The paid leave days per year for completed years of service 10 years or more is 32.")
    # two columns: the first names the measure
    assert row_sentence(["Parameter", "Value"], ["Weight", "410 g"],
                        "How heavy is it, what is its weight?") == "The weight is 410 g."
    # the question names no column: the row stays "Column: value" pairs
    assert row_sentence(["Room", "Floor", "Seats"], ["Merlin", "3", "12"],
                        "Which room is best for a workshop?") is None


def test_a_role_does_not_say_who_holds_it(embedder: Any) -> None:
    answerer = ExtractiveAnswerer(embedder)
    text = ("Only the Managing Director and the Head of Marketing speak to journalists on "
            "behalf of the company. In Rotterdam the laptop waits at the reception.")
    for question in ("Who is our Head of Marketing?",
                     "What's the name of the office manager in Rotterdam?"):
        assert answerer.answer(question, [source(1, text)]).refused, question
    named = "The Head of IT is Piet van Drunen, who reports to the Managing Director."
    found = answerer.answer("Who is the Head of IT?", [source(1, named)])
    assert not found.refused and "Piet van Drunen" in found.text()
    # a role answers who does something
    does = "Requests for a new laptop are approved by the Managing Director."
    assert not answerer.answer("Who approves a new laptop?", [source(1, does)]).refused


def test_a_bullet_in_a_column_of_its_own_is_a_list_item() -> None:
    text = ("Rolling out firmware safely\n• | Start with a canary group of 5 percent of the "
            "gateways\n• | Wait 24 hours before updating the rest\n")
    units = units_of(source(1, text), 0)
    assert [(u.text, u.is_row) for u in units] == [
        ("Start with a canary group of 5 percent of the gateways", False),
        ("Wait 24 hours before updating the rest", False)]


def test_the_kind_of_answer_is_the_one_asked_for_first() -> None:
    from retrieval.answer.asks import answer_type

    def kind(question: str) -> str | None:
        found = answer_type(question)
        return found[0] if found else None

    assert kind("How big is the canary group when I roll out firmware?") == "number"
    assert kind("By what day must I change my bank details for my salary?") == "time"
    assert kind("Who do I ask about the salary bands?") is None  # a name: checked apart
    assert kind("How quickly will the service desk answer?") == "time"
    assert kind("What score do I need to pass?") == "number"


def test_a_sentence_sharing_only_a_year_or_code_with_the_question_does_not_answer(
        embedder: Any) -> None:
    answerer = ExtractiveAnswerer(embedder)
    text = "Next calibration due: 16 March 2027. Firmware 3.4 added the LTE variant."
    assert answerer.answer("When is the summer party in 2027?", [source(1, text)]).refused
    assert answerer.answer("What was the default MQTT keep-alive on firmware 3.4?",
                           [source(1, text)]).refused
    assert not answerer.answer("When is the next calibration due in 2027?",
                               [source(1, text)]).refused


def test_a_which_question_needs_something_particular(embedder: Any) -> None:
    answerer = ExtractiveAnswerer(embedder)
    vague = ("The company pension plan is provided through a group contract with a pension "
             "fund. The company adds a further 15 percent of the converted amount.")
    assert answerer.answer("Which pension fund runs our company pension plan?",
                           [source(1, vague)]).refused
    named = "The company pension plan is run by the Saxon Pension Fund under contract KP-7."
    found = answerer.answer("Which pension fund runs our company pension plan?",
                            [source(1, named)])
    assert not found.refused and "Saxon Pension Fund" in found.text()


def test_an_faq_answer_is_read_with_its_question(embedder: Any) -> None:
    faq = ("Q: When is the all-hands meeting?\nA: On the first Thursday of every month at "
           "15:00 CET. It takes 45 minutes.\n\nQ: Where is the canteen?\nA: On the ground "
           "floor of building B.\n")
    answerer = ExtractiveAnswerer(embedder)
    found = answerer.answer("At what time is the all-hands meeting?", [source(1, faq)])
    assert not found.refused and "15:00 CET" in found.text()
    units = units_of(source(1, faq), 0)
    assert all("?" not in u.text for u in units)  # the questions are context, not answers
    assert "canteen" in units[-1].context


def test_names_for_who_and_which_person_questions(embedder: Any) -> None:
    answerer = ExtractiveAnswerer(embedder)
    text = ("Climate test chamber VT 4060, serial number 58213-07, inventory number LAB-0112. "
            "Calibrated by Elstertal GmbH, technician Marta Quednau.")
    found = answerer.answer("Which technician calibrated the climate chamber VT 4060?",
                            [source(1, text)])
    assert not found.refused and "Marta Quednau" in found.text()
    # "who gets" asks who qualifies: no name needed; a currency is nobody's name
    cards = ("The card has a monthly limit of EUR 5,000. Employees who travel on business "
             "more than six times a year receive a corporate credit card.")
    got = answerer.answer("Who gets a corporate credit card?", [source(1, cards)])
    assert not got.refused and "six times a year" in got.text()


def test_who_holds_a_role_is_answered_by_that_roles_holder(embedder: Any) -> None:
    answerer = ExtractiveAnswerer(embedder)
    text = ("Ms. Lewnes joined Northwind in 2006 as Executive Vice President and Chief "
            "Marketing Officer. Dana Okafor has been our Chief Executive Officer since 2019.")
    found = answerer.answer("Who is Northwind's chief executive officer?", [source(1, text)])
    assert not found.refused and "Dana Okafor" in found.text()
    assert "Lewnes" not in found.text()
    other = "Ms. Lewnes joined in 2006 as Executive Vice President and Chief Marketing Officer."
    assert answerer.answer("Who is Northwind's chief executive officer?",
                           [source(1, other)]).refused


def test_a_change_does_not_answer_what_an_amount_was(embedder: Any) -> None:
    answerer = ExtractiveAnswerer(embedder)
    change = ("Revenue from Digital Media increased $383.4 million during fiscal 2017, as "
              "compared to fiscal 2016.")
    assert answerer.answer("What was the total revenue in fiscal 2017?",
                           [source(1, change)]).refused
    level = "Total revenue increased 25% to $7.3 billion in fiscal 2017."
    found = answerer.answer("What was the total revenue in fiscal 2017?",
                            [source(1, level)])
    assert not found.refused and "$7.3 billion" in found.text()
    # asked how it changed, the change answers
    assert not answerer.answer("By how much did revenue from Digital Media increase in "
                               "fiscal 2017?", [source(1, change)]).refused


def test_a_yes_no_question_asks_for_no_kind_of_figure(embedder: Any) -> None:
    from retrieval.answer.asks import answer_type

    assert answer_type("Do we get a 13th month's salary?") is None
    assert answer_type("Is there a limit, and how much is the hotel cap?") is not None
    answerer = ExtractiveAnswerer(embedder)
    text = "No. Northwind pays twelve monthly salaries. Salaries are paid at month end."
    found = answerer.answer("Do we get a 13th month's salary?", [source(1, text)])
    assert not found.refused and "twelve monthly salaries" in found.text()


def test_each_part_of_a_two_part_question_is_answered(embedder: Any) -> None:
    assert question_parts("When does the canteen open, and do I have to pay for coffee?") == (
        "When does the canteen open", "do I have to pay for coffee?")
    assert question_parts("What is the difference between the STD and LTE models?") is None
    assert question_parts("How many days of leave and sick days do I get?") is None
    answerer = ExtractiveAnswerer(embedder)
    faq = ("Q: When is the summer party?\nA: On the last Friday of June at 17:00 in the "
           "courtyard. The party takes four hours, is open to families and is catered by the "
           "canteen team.\n\nQ: Where do I park?\nA: In the garage under building B.\n")
    found = answerer.answer("When is the summer party, and how long does it take?",
                            [source(1, faq)])
    assert not found.refused
    assert "last Friday of June" in found.text() and "four hours" in found.text()
    # how long it takes is not when it is
    assert "last Friday" in answerer.answer("When is the summer party?",
                                            [source(1, faq)]).text()
    # a part that nothing answers adds nothing: the other part is still answered
    got = answerer.answer("When is the summer party, and who pays for the taxi home?",
                          [source(1, faq)])
    assert "last Friday of June" in got.text() and "garage" not in got.text()
    assert got.unanswered == ["who pays for the taxi home?"] and found.unanswered == []


def test_a_sentence_is_read_with_the_one_it_continues(embedder: Any) -> None:
    text = ("Technicians must carry a ZX-40 gas detector in the tank farm. The stores hand out "
            "three detectors to every technician: one for the shift and two as spares.")
    found = ExtractiveAnswerer(embedder).answer(
        "How many ZX-40 detectors does a technician get?", [source(1, text)])
    assert not found.refused and "three detectors" in found.text()
    # only within its paragraph: a sentence after a heading does not continue the one before
    units = units_of(source(1, "Tools\nTechnicians must carry a ZX-40 gas detector.\n\n"
                                "Spares\nThe stores hand out three detectors per person."), 0)
    assert "ZX-40" not in units[-1].context


def test_who_does_something_is_answered_by_its_doer_and_what_score_wants_a_figure(
        embedder: Any) -> None:
    assert [doer(q) for q in ("Who owns the policy?", "Who approves a trip?",
                              "Who does the audit?", "Who is told?")] == [
        "owner", "approver", "", ""]
    answerer = ExtractiveAnswerer(embedder)
    policy = ("Procurement Policy\nHow goods and services are bought.\nVersion | 3.1\n"
              "Effective date | 1 May 2026\nPolicy owner | Miriam Oyelaran, Head of "
              "Procurement\nApplies to | All employees\n\nThe procurement policy is published by "
              "the Procurement Desk in the Supplier Portal.")
    found = answerer.answer("Who owns the procurement policy?", [source(1, policy)])
    assert not found.refused and found.text().startswith("The policy owner is Miriam Oyelaran")
    quiz = ("Forklift licence\nThe course ends with a written test in the learning portal.\n"
            "Access to the warehouse is granted only after you pass the test.\n\n"
            "The final test\n• 30 questions, pass mark 75 percent\n"
            "• Your team lead sees the result.")
    # (a low threshold: what is tested is which unit may answer, not how well it scores)
    got = ExtractiveAnswerer(embedder, threshold=0.2).answer(
        "What score do I need to pass the forklift test?", [source(1, quiz)])
    assert not got.refused and "75 percent" in got.text()


def test_another_years_sentence_or_a_running_header_does_not_answer(embedder: Any) -> None:
    # threshold 0: what is tested is which unit may answer, not how well it scores
    answerer = ExtractiveAnswerer(embedder, threshold=0.0)
    # the asked year is in the passage's section, the sentence states another one
    other_year = ("Northwind Media's total revenues were approximately $2.1 billion for the year "
                  "ended December 31, 2023.")
    assert answerer.answer("What was Northwind's total revenue in 2024?",
                           [source(1, other_year, section="Annual Report 2024")]).refused
    assert not answerer.answer("What was Northwind Media's total revenue in 2023?",
                               [source(1, other_year, section="Annual Report 2024")]).refused
    # a page number and the report's running title, read as a table row, hold no amount
    header = ("Consolidated Statements of Income\nRevenues | Costs\n"
              "87 | Northwind 2024 Annual Report on Form 10-K (dollars in millions)\n")
    assert answerer.answer("What was Northwind's total revenue in 2024?",
                           [source(1, header)]).refused


def test_a_question_word_said_in_other_words_counts_as_said(embedder: Any) -> None:
    # "bike" is never written: the shelter says "bicycle", the garage repeats "spaces" and
    # "staff" and reads closer to the question as a whole
    text = ("Parking\nThe garage has 48 parking spaces for staff.\n\nCycling\nThe covered "
            "bicycle shelter has 120 spaces.")
    found = ExtractiveAnswerer(embedder).answer(
        "How many bike spaces are there for staff?", [source(1, text)])
    assert not found.refused and "120 spaces" in found.picks[0].unit.text
    # a number word is no paraphrase of another ("one" / "two"), and words that are only
    # related ("aunt" / "grandparent") are not the same thing
    near = ExtractiveAnswerer(embedder).near
    assert near.said_otherwise({"one": {"one"}, "aunt": {"aunt"}},
                               ["Two days for the death of a grandparent."]) == [set()]
    assert near.said_otherwise({"grandmoth": {"grandmother"}},
                               ["Two days for the death of a grandparent."]) == [{"grandmoth"}]
    # a full word cache starts again instead of growing without end
    small = NearWords(embedder, cache_size=3)
    for _ in range(2):
        assert small.said_otherwise({"grandmoth": {"grandmother"}},
                                    ["Leave for the death of a grandparent."]) == [{"grandmoth"}]
    assert len(small._cache) <= 4


def test_the_next_sentence_that_completes_the_answer_joins_it(embedder: Any) -> None:
    text = ("Claims\nSubmit your expense claim within 30 days after the end of the trip. "
            "Claims submitted more than 90 days after the trip are not reimbursed.\n\n"
            "Advances\nAdvances are settled with the expense claim of the trip.")
    found = ExtractiveAnswerer(embedder).answer(
        "How soon after a trip must I submit my expense claim?", [source(1, text)])
    assert "30 days" in found.text() and "90 days" in found.text()
    assert "settled" not in found.text()


def test_the_doer_answers_a_who_question_for_the_support_check() -> None:
    row = "Policy owner | Tobias Renkhoff, Chief Financial Officer"
    got = check_support("Who owns the travel and expense policy?",
                        "The policy owner is Tobias Renkhoff, Chief Financial Officer [1].",
                        {1: row}, False, [row])
    assert got.supported


def test_how_fast_something_happens_asks_for_a_time_not_a_speed() -> None:
    from retrieval.answer.asks import answer_type

    wanted = answer_type("How fast does IT respond if the printer is broken?")
    assert wanted is not None and wanted[0] == "time" and wanted[1].search("Next working day")
    assert answer_type("How fast is the processor?") == answer_type("How many cores are there?")


def test_a_question_naming_its_thing_takes_no_kind_from_a_later_clause() -> None:
    from retrieval.answer.asks import answer_type

    assert answer_type("Which error code do I get when the claim code is wrong?") is None
    assert answer_type("What laptop does someone in sales get?") is None
    assert answer_type("Which day is the summer party?") is not None  # the thing is a day
    assert answer_type("What budget do I have for training?") is not None
    assert answer_type("When does the canteen open?") is not None


def test_a_two_part_answer_keeps_the_order_of_the_parts(embedder: Any) -> None:
    faq = ("Q: Who owns the travel policy?\nA: The travel policy is owned by Tobias Renkhoff, "
           "the CFO.\n\nQ: Who owns the security policy?\nA: The security policy is owned by "
           "Miriam Olsberg, the CISO.\n")
    answerer = ExtractiveAnswerer(embedder)
    for first, second in (("security", "travel"), ("travel", "security")):
        said = answerer.answer(f"Who owns the {first} policy, and who owns the {second} "
                               "policy?", [source(1, faq)]).text()
        assert said.index(f"The {first} policy") < said.index(f"The {second} policy")


def test_a_share_of_the_asked_measure_is_not_the_measure(embedder: Any) -> None:
    text = ("Revenue\nRevenues from the public sector represented 13% of total revenues for "
            "2026. Government customers represented 24%, 30% and 25% of total trade "
            "receivables in 2026, 2025 and 2024.\n\nStatement\nTotal revenues | 2026 | "
            "$81,288 million")
    answerer = ExtractiveAnswerer(embedder)
    found = answerer.answer("What were the total revenues in 2026?", [source(1, text)])
    assert "81,288" in found.text() and "13%" not in found.text()
    # a question for the share is answered by it
    share = answerer.answer("What percentage of total revenues came from the public sector?",
                            [source(1, text)])
    assert "13%" in share.text()


def test_a_sentence_that_only_introduces_a_table_is_no_answer(embedder: Any) -> None:
    text = ("Property, plant and equipment\nThe following summarizes the components of "
            "property, plant and equipment:\nLand | 512 | 498\nBuildings | 7,114 | 6,920")
    assert all(not u.text.endswith(":") for u in units_of(source(1, text), 0)
               if not states_nothing(u.text)) and states_nothing(
        "The following summarizes the components of property, plant and equipment:")


def test_a_physical_measure_is_answered_with_its_unit(embedder: Any) -> None:
    from retrieval.answer.asks import answer_type

    pins = ("Table 4: Serial port pins\nPin | Signal | Description\n2 | TXD | transmit data\n"
            "3 | RXD | receive data\n5 | GND | signal ground")
    answerer = ExtractiveAnswerer(embedder)
    assert answerer.answer("What's the maximum cable length on the serial port?",
                           [source(1, pins)]).refused
    cable = "Serial cables may be at most 15 m long; use shielded cable in the hall."
    found = answerer.answer("What's the maximum cable length on the serial port?",
                            [source(1, f"{pins}\n\n{cable}")])
    assert not found.refused and "15 m" in found.text()
    # "the length of the probation period" is a duration; a weight is in grams
    probation = "The probation period lasts six months for every new employee."
    assert "six months" in answerer.answer("What is the length of the probation period?",
                                           [source(1, probation)]).text()
    kit = "The gateway has two Ethernet ports. The LTE model weighs 310 g without its antenna."
    assert "310 g" in answerer.answer("How heavy is the LTE model?", [source(1, kit)]).text()
    assert answer_type("What's the operating temperature range?") is not None
    # what a follow-up carries over in brackets does not set the kind
    assert answer_type("humidity (temperature range EL-420 storage)?") is None


def test_a_where_question_is_answered_by_a_place(embedder: Any) -> None:
    text = ("The all-hands meeting takes 45 minutes, is streamed to all offices and is "
            "recorded for colleagues who cannot attend.")
    answerer = ExtractiveAnswerer(embedder)
    assert answerer.answer("Where can I find the recordings of the all-hands meetings?",
                           [source(1, text)]).refused
    there = text + " The recordings of the all-hands meetings are kept on the intranet page."
    found = answerer.answer("Where can I find the recordings of the all-hands meetings?",
                            [source(1, there)])
    assert not found.refused and "on the intranet page" in found.text()
    from retrieval.answer.asks import answer_type

    place = answer_type("Where do I send my expense claim?")
    assert place is not None and place[0] == "place"
    assert place[1].search("Send it to the Travel Desk.")
    assert place[1].search("Hand it to Controlling.")
    assert not place[1].search("It is streamed to all offices.")


def test_which_firm_is_answered_by_an_organisations_name(embedder: Any) -> None:
    text = ("An **external investigator** is appointed if the complaint concerns an employee "
            "at level L6 or L7 or a member of the HR team.")
    answerer = ExtractiveAnswerer(embedder)
    assert answerer.answer("Which firm do we hire as an external investigator?",
                           [source(1, text)]).refused
    named = text + " External investigators come from the law firm Brandt Keller Partners."
    found = answerer.answer("Which firm do we hire as an external investigator?",
                            [source(1, named)])
    assert not found.refused and "Brandt Keller" in found.text()


def test_a_row_the_question_does_not_pick_is_no_answer(embedder: Any) -> None:
    leave = ("Table 5: Special leave\nOccasion | Paid days off\nYour wedding | 2 days\n"
             "Death of your spouse, a child or a parent | 3 days\n"
             "Death of a sibling or grandparent | 1 day\nMoving house | 1 day")
    answerer = ExtractiveAnswerer(embedder)
    # no row names an aunt: the death rows match "days" alike
    assert answerer.answer("How many days of special leave do I get when my aunt dies?",
                           [source(1, leave)]).refused
    found = answerer.answer("How many days of special leave do I get when my grandparent "
                            "dies?", [source(1, leave)])
    assert not found.refused and "1 day" in found.text()
    # a figure in a row's range picks it, though another figure falls in a sibling's range
    annual = ("Table 1: Annual leave\nCompleted years of service | Paid leave days per year\n"
              "0 to 2 years | 28\n3 to 5 years | 29\n6 to 9 years | 30")
    found = answerer.answer("I've been here for seven years. How many paid vacation days do I "
                            "get per year on a five-day week?", [source(1, annual)])
    assert not found.refused and found.text().startswith("The paid leave days per year") \
        and "6 to 9 years is 30" in found.text()


def test_how_many_is_answered_by_a_figure_of_what_it_counts(embedder: Any) -> None:
    from retrieval.answer.asks import counted

    assert set(counted("How many paid days off do I get?")) == {"paid", "day", "off"}
    assert set(counted("How many people work in Graz?")) == {"peopl", "work"}
    office = ("The Graz office is on the third floor. It has 35 workstations and two meeting "
              "rooms. The main phone number is +43 316 555 0100.")
    answerer = ExtractiveAnswerer(embedder)
    assert answerer.answer("How many people work in the Graz office?",
                           [source(1, office)]).refused
    found = answerer.answer("How many workstations does the Graz office have?",
                            [source(1, office)])
    assert not found.refused and "35 workstations" in found.text()
    garage = ("The garage has 40 parking spaces; eight of these spaces have charging points "
              "for electric cars.")
    assert "eight" in answerer.answer("How many charging points are there in the garage?",
                                      [source(1, garage)]).text()
    # people are counted by seats; a count said in other words still counts
    rooms = ("Table 6: Meeting rooms\nRoom | Floor | Seats | Equipment\nMerlin | 3 | 12 | "
             "Whiteboard\nOsprey | 1 | 20 | Two projectors")
    assert "20" in answerer.answer("How many people fit in the Osprey room?",
                                   [source(1, rooms)]).text()
    assert "35 workstations" in answerer.answer("How many desks does the Graz office have?",
                                                [source(1, office)]).text()
    # an exhibit list's "Employment Agreement, effective January 1, 2019" counts no one
    exhibits = ("10.1 Employment Agreement, effective January 1, 2019, between J. Doe and "
                "the company.\n\nAt the end of 2021, we employed 288,000 employees "
                "worldwide.")
    found = answerer.answer("How many people does the company employ?",
                            [source(1, exhibits)])
    assert "288,000" in found.text() and "Employment Agreement" not in found.text()


def test_a_total_for_a_list_of_places_is_not_one_places_figure(embedder: Any) -> None:
    staff = ("We employ 342 people at three locations: the headquarters in Leipzig, the sales "
             "office in Rotterdam and the research office in Graz.\n\nThe office opens at "
             "8:00.\n\nVienna has a sales partner. Parking is free on "
             "weekends. Visitors sign in at the reception. Coffee is free for everyone.")
    answerer = ExtractiveAnswerer(embedder)
    assert answerer.answer("How many people work in the Rotterdam office?",
                           [source(1, staff)]).refused
    each = ("Each office in Leipzig, Rotterdam and Graz has 2 trained first aiders.\n\n"
            "Vienna has a sales partner. Parking is free on weekends. Visitors sign in at "
            "the reception. Coffee is free for everyone.")
    found = answerer.answer("How many first aiders are there in the Rotterdam office?",
                            [source(1, each)])
    assert not found.refused and "2 trained first aiders" in found.text()


def test_a_number_to_call_an_extension_a_timeout_and_a_discount_are_kinds() -> None:
    from retrieval.answer.asks import answer_type

    def kind(question: str) -> str | None:
        found = answer_type(question)
        return found[0] if found else None

    assert kind("What's the 24-hour assistance number of our travel insurance?") == "phone"
    assert kind("What's the CISO's phone extension?") == "extension"
    assert kind("What is the serial number of the chamber?") == "number"
    assert kind("How long is the EdgeCare extension?") == "span"
    assert kind("What's the session timeout for the HR portal?") == "duration"
    assert kind("What volume discount does a customer get?") == "money"
    assert kind("What's the bonus target for a Team Lead?") == "money"
    # the situation told first is not what is asked
    assert kind("Someone joined on 1 November. Do they get a bonus for this year?") is None
    assert kind("My laptop won't boot. How quickly will IT get back to me?") == "time"
    extension = answer_type("What is the phone extension of HR?")
    assert extension is not None
    assert extension[1].search("Call extension 2140.")
    assert not extension[1].search("Extensions can be dialled directly from every phone.")
    assert not extension[1].search("It opened in 2026 in Graz.")
    timeout = answer_type("What's the default web session timeout?")
    assert timeout is not None and timeout[1].search("Web session timeout | 15 min")
    assert not timeout[1].search("The welcome session is every Monday at 09:30.")


def test_a_unit_about_another_listed_place_does_not_answer(embedder: Any) -> None:
    # Leipzig is the head office most passages speak of: its name is the sources' topic
    guide = ("Kestrelmoor has offices in Leipzig, Rotterdam and Graz.\n\nLeipzig has a "
             "canteen.\n\nParking in Leipzig is free.\n\nLeipzig reception opens at 7:00."
             "\n\nRotterdam office\n"
             "The office is on the fourth floor. It has 35 workstations and two meeting rooms."
             "\n\nGraz office\nIt has 60 workstations and a rooftop terrace.")
    answerer = ExtractiveAnswerer(embedder)
    assert answerer.answer("How many workstations does the Leipzig office have?",
                           [source(1, guide)]).refused
    found = answerer.answer("How many workstations does the Graz office have?",
                            [source(1, guide)])
    assert not found.refused and "60 workstations" in found.text()


def test_which_insurer_is_not_answered_by_a_row_or_a_portal(embedder: Any) -> None:
    text = ("Table 3: Insurance by tier\nBenefit | Standard tier | Plus tier\nGroup life "
            "insurance cover | Twice the annual base salary | Three times the salary\n\n"
            "The insurance card can be downloaded from the Expense Portal.")
    answerer = ExtractiveAnswerer(embedder)
    assert answerer.answer("Which insurance company provides our group life insurance?",
                           [source(1, text)]).refused
    named = text.replace("Benefit | Standard tier | Plus tier", "Benefit | Insurer | Cover")
    named = named.replace("Twice the annual base salary", "Hanseatic Life")
    found = answerer.answer("Which insurance company provides our group life insurance?",
                            [source(1, named)])
    assert not found.refused and "Hanseatic Life" in found.text()


def test_what_belongs_to_an_abbreviation_is_said_of_it(embedder: Any) -> None:
    from retrieval.answer.naming import holders

    assert holders("What's the CISO's phone extension? Is the VPN on?") == {"CISO"}
    assert holders("What's the phone extension of the Data Protection Officer?") == {
        "Data Protection Officer"}
    assert holders("What are the canteen's lunch hours in Graz?") == {"canteen"}
    contacts = ("IT Helpdesk: phone +49 341 555 0140 or extension 4357.\n\nThe security "
                "policy is owned by the CISO.\n\nExceptions are approved in writing.\n\n"
                "Parking is free on weekends.\n\nVisitors sign in at reception.\n\nThe "
                "canteen opens at noon.\n\nLaptops are replaced every four years.")
    answerer = ExtractiveAnswerer(embedder)
    assert answerer.answer("What's the CISO's phone extension?",
                           [source(1, contacts)]).refused
    spelled = contacts + ("\n\nMiriam Olsberg, Chief Information Security Officer, can be "
                          "reached on extension 4410.")
    found = answerer.answer("What's the CISO's phone extension?", [source(1, spelled)])
    assert not found.refused and "4410" in found.text()
    assert answerer.answer("What's the phone extension of the Data Protection Officer?",
                           [source(1, contacts)]).refused


def test_a_share_of_the_bonus_target_is_not_the_target(embedder: Any) -> None:
    text = ("Applies to | All employees, interns and working students\n\nThe bonus target "
            "is a percentage of the annual base salary (see Table 1). The actual payout is "
            "between 0 and 150 percent of the target.\n\nTable 1: Bonus targets\nLevel | "
            "Bonus target\nL1 | 5%\nL4 | 10%")
    answerer = ExtractiveAnswerer(embedder)
    assert answerer.answer("What's the bonus target for interns and working students?",
                           [source(1, text)]).refused
    found = answerer.answer("What's the bonus target for L4?", [source(1, text)])
    assert not found.refused and "10%" in found.text()


def test_what_holds_for_x_does_not_answer_for_non_x(embedder: Any) -> None:
    text = ("Acknowledge a critical alarm within 15 minutes.\n\nThe dashboard shows all "
            "gateways.\n\nRollouts start with a canary group.")
    answerer = ExtractiveAnswerer(embedder)
    assert answerer.answer("How quickly does a non-critical alarm have to be acknowledged?",
                           [source(1, text)]).refused
    assert "15 minutes" in answerer.answer("How quickly does a critical alarm have to be "
                                           "acknowledged?", [source(1, text)]).text()


def test_a_unit_of_our_own_or_a_mailbox_is_not_a_firm_or_a_person(embedder: Any) -> None:
    text = ("All flights and hotels are booked through the Travel Desk, which applies our "
            "negotiated rates.\n\nQuestions about bookings go to the Travel Desk "
            "(travel@example.com, extension 2310).\n\nThe card has a limit of EUR 5,000.")
    answerer = ExtractiveAnswerer(embedder)
    assert answerer.answer("Which airline do we have negotiated rates with?",
                           [source(1, text)]).refused
    assert answerer.answer("Which bank issues our corporate credit cards?",
                           [source(1, text)]).refused
    assert answerer.answer("Who is the person at the Travel Desk I should ask for?",
                           [source(1, text)]).refused
    named = text + "\n\nOur negotiated rates are with the airline Nordwind Air."
    assert "Nordwind Air" in answerer.answer("Which airline do we have negotiated rates "
                                             "with?", [source(1, named)]).text()


def test_a_count_is_read_within_its_clause(embedder: Any) -> None:
    text = ("Match the serial parameters of the field devices (default 9,600 bit/s, 8 data "
            "bits).\n\nThe gateway polls the devices every second.")
    answerer = ExtractiveAnswerer(embedder)
    assert answerer.answer("How many field devices can the gateway poll?",
                           [source(1, text)]).refused
    more = text + "\n\nThe gateway can poll up to 32 field devices."
    assert "32 field devices" in answerer.answer("How many field devices can the gateway "
                                                 "poll?", [source(1, more)]).text()


def test_possibly_related_names_each_page_once() -> None:
    from retrieval.answer.pipeline import distinct_pages

    hits = [source(n, f"text {n}", doc=doc).hit for n, doc in
            ((1, "guide"), (2, "guide"), (3, "handbook"), (4, "guide"), (5, "faq"), (6, "x"))]
    # source() puts every chunk on page 1: one hit per document
    assert [h.chunk.doc_id for h in distinct_pages(hits, 3)] == ["guide", "handbook", "faq"]


def test_how_long_wants_a_span_and_when_not_how_often(embedder: Any) -> None:
    from retrieval.answer.asks import answer_type

    span = answer_type("How long does the Monday welcome session last?")
    assert span is not None and span[0] == "span"
    assert not span[1].search("The welcome session is every Monday at 09:30.")
    for said in ("It takes 45 minutes.", "within 10 working days", "at least 6 digits",
                 "by 31 March", "up to 100 m"):
        assert span[1].search(said), said
    drills = ("Evacuation drills take place twice a year, one of them unannounced.\n\n"
              "Fire wardens check every floor.\n\nThe assembly point is the lawn.")
    answerer = ExtractiveAnswerer(embedder)
    assert answerer.answer("When is the next evacuation drill?", [source(1, drills)]).refused
    dated = drills + "\n\nThe next evacuation drill is on 14 October."
    assert "14 October" in answerer.answer("When is the next evacuation drill?",
                                           [source(1, dated)]).text()
