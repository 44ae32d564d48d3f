"""Owner identity: ID number validation (GB 11643-1999) and its keyed hash."""
import datetime
import re

import pytest

from residents.identity import id_number_hash, id_number_problem, normalise_id_number

_WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]  # the standard's weights, W_i = 2^(i-1) mod 11


def with_check(first17):
    """An ID number: `first17` and its check character, computed as the standard states it
    (ISO 7064 MOD 11-2: the character c with sum + c ≡ 1 mod 11; 10 is written X)."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS))
    check = (12 - total % 11) % 11
    return first17 + ("X" if check == 10 else str(check))


def test_the_weights_are_the_standards():
    assert _WEIGHTS == [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


VALID = [
    "11010519491231002X",  # the example printed in the standard
    with_check("51010419900307123"),
    with_check("32010220000229555"),  # born on 29 February of a leap year
    with_check("44030519851111002"),
]


@pytest.mark.parametrize("number", VALID)
def test_valid_numbers_have_no_problem(number):
    assert id_number_problem(number) is None


def test_the_valid_examples_include_one_ending_in_x():
    assert any(number.endswith("X") for number in VALID)
    ending_x = with_check("11010519491231002")
    assert ending_x == "11010519491231002X"


@pytest.mark.parametrize(
    "typed",
    [
        "11010519491231002x",  # lower-case x
        " 110105 19491231 002X ",  # spaces
        "１１０１０５１９４９１２３１００２Ｘ",  # full-width, as some input methods type it
        "110105\u300019491231002X",  # an ideographic space
    ],
)
def test_typing_variants_are_accepted_and_hash_alike(typed):
    assert id_number_problem(typed) is None
    assert normalise_id_number(typed) == "11010519491231002X"
    assert id_number_hash(typed) == id_number_hash("11010519491231002X")


def test_every_wrong_check_character_is_refused():
    good = VALID[1]
    for wrong in "0123456789X":
        if wrong == good[-1]:
            continue
        assert id_number_problem(good[:17] + wrong) == "身份证号校验位错误", wrong


@pytest.mark.parametrize(
    "first17",
    [
        "51010419900230123",  # 30 February
        "51010419901301123",  # month 13
        "51010419900100123",  # day 0
        "32010219000229555",  # 1900 was not a leap year
        "51010418991231123",  # before 1900
        "51010400000101123",  # year 0
    ],
)
def test_impossible_birth_dates_are_refused(first17):
    assert id_number_problem(with_check(first17)) == "身份证号中的出生日期无效"


def test_a_birth_date_in_the_future_is_refused():
    tomorrow = datetime.date.today() + datetime.timedelta(days=2)
    assert id_number_problem(with_check(f"510104{tomorrow:%Y%m%d}123")) == "身份证号中的出生日期无效"


@pytest.mark.parametrize("number", ["", None, "5101041990030712", "51010419900307123", "5101041990030712377"])
def test_wrong_lengths_are_refused_naming_the_length(number):
    problem = id_number_problem(number)
    assert problem is not None and problem.startswith("身份证号应为18位")
    assert str(len(normalise_id_number(number))) in problem


@pytest.mark.parametrize(
    "number",
    [
        "5101041990030712A7",  # a letter inside
        "X10104199003071237",  # X anywhere but last
        "51010419900307123Y",  # a letter other than X last
        "5101041990030712-7",
        "510104199003071२37",  # a Devanagari digit: str.isdigit() says yes, int() would too
        "51010419900307١237",  # an Arabic-Indic digit
    ],
)
def test_letters_and_other_characters_are_refused(number):
    assert id_number_problem(number) == "身份证号只能由数字和末位X组成"


def test_hash_is_64_hex_characters_and_deterministic():
    first = id_number_hash(VALID[1])
    assert re.fullmatch(r"[0-9a-f]{64}", first)
    assert id_number_hash(VALID[1]) == first


def test_hash_differs_for_different_numbers():
    hashes = {id_number_hash(number) for number in VALID}
    assert len(hashes) == len(VALID)


def test_hash_does_not_contain_the_number():
    assert VALID[1] not in id_number_hash(VALID[1])
    assert VALID[1][:6] not in id_number_hash(VALID[1])


def test_hash_depends_on_the_key(settings):
    settings.IDENTITY_HASH_KEY = "key-one"
    under_one = id_number_hash(VALID[1])
    settings.IDENTITY_HASH_KEY = "key-two"
    under_two = id_number_hash(VALID[1])
    settings.IDENTITY_HASH_KEY = "key-one"
    assert under_one != under_two
    assert id_number_hash(VALID[1]) == under_one


def test_the_checker_gives_the_same_messages_and_hashes():
    """IdNumberChecker (the census import's) answers as id_number_problem and id_number_hash do,
    also on its remembered paths: a date of birth met before, then a wrong check character."""
    from residents.identity import IdNumberChecker

    checker = IdNumberChecker()
    numbers = [
        *VALID,
        " 110105 19491231 002X ",
        "11010519491231002x",
        "１１０１０５１９４９１２３１００２Ｘ",
        with_check("51010419900307124"),
        VALID[1][:17] + ("0" if VALID[1][17] != "0" else "1"),  # same birth date, wrong check
        with_check("51010419900230123"),  # 30 February
        with_check("51010418991231123"),  # before 1900
        "5101041990030712",  # too short
        "51010419900307123A",  # a letter
        "",
    ]
    for _round in range(2):  # the second round takes the remembered paths
        for number in numbers:
            message = id_number_problem(number)
            expected = (None, message) if message else (id_number_hash(number), None)
            assert checker(number) == expected, number


def test_the_checkers_hash_is_the_hmac_for_a_long_key_too(settings):
    from residents.identity import IdNumberChecker

    settings.IDENTITY_HASH_KEY = "k" * 100  # longer than SHA-256's block: hashed first
    assert IdNumberChecker()(VALID[0]) == (id_number_hash(VALID[0]), None)
