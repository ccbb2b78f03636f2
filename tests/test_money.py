"""One way to write dollars (fees.payment.money) for the card, the explorer, articles, the tour
and practice reports; each says what it said before where there is no amount."""

import math

import pytest

from cpt_analysis.fees.payment import money
from cpt_analysis.training import grading


@pytest.mark.parametrize(
    "value, kwargs, shown",
    [
        (14.23, {}, "$14.23"),
        (1234.5, {}, "$1,234.50"),
        (0.0, {}, "$0.00"),
        (-3.2, {}, "-$3.20"),
        (3.2, {"sign": True}, "+$3.20"),
        (-1234.567, {"sign": True}, "-$1,234.57"),
        (None, {}, "no amount"),
        (math.nan, {}, "no amount"),
        (math.nan, {"missing": "-"}, "-"),
    ],
)
def test_dollars_are_written_one_way(value, kwargs, shown):
    assert money(value, **kwargs) == shown


def test_the_tours_exercises_keep_their_words_for_no_amount():
    assert grading.money is money
    assert grading.money(None) == "no amount"


def test_cents_of_an_array_equal_cents_of_each_value():
    import numpy as np

    from cpt_analysis.fees.money import cents_array
    from cpt_analysis.fees.payment import cents

    # every thousandth from -200.000 to 200.000 (the half cents included), and the products
    # the payment rules round: 80% and 98% of amounts, 50% of units
    values = [k / 1000 for k in range(-200_000, 200_001, 7)]
    values += [a * f for a in (14.23, 37.975, 43.99, 1886.45, 0.05) for f in (0.8, 0.98, 0.5, 0.95)]
    assert cents_array(np.array(values)).tolist() == [cents(v) for v in values]
