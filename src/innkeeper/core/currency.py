"""ISO 4217 currencies and their minor-unit exponents.

Written out here rather than taken from a library because ``core`` is standard library only
and because CLDR (babel's source) gives *display* digits, which differ from ISO 4217's
minor units for some currencies. Fund codes (BOV, CLF, USN, ...) and metals are left out:
nobody pays for a stay in them. Unknown codes are refused, never guessed: assuming two
decimals for JPY would overcharge a hundredfold.
"""

from __future__ import annotations

from typing import Final

_ZERO_DECIMAL = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF"
_THREE_DECIMAL = "BHD IQD JOD KWD LYD OMR TND"
_TWO_DECIMAL = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP "
    "BYN BZD CAD CDF CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP "
    "GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT "
    "LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN "
    "NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP "
    "SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD UYU UZS VED "
    "VES WST XCD XCG YER ZAR ZMW ZWG"
)

MINOR_UNIT_EXPONENT: Final[dict[str, int]] = {
    **dict.fromkeys(_TWO_DECIMAL.split(), 2),
    **dict.fromkeys(_ZERO_DECIMAL.split(), 0),
    **dict.fromkeys(_THREE_DECIMAL.split(), 3),
}


class UnknownCurrency(ValueError):
    pass


def exponent(currency: str) -> int:
    """The number of decimal places of ``currency``'s minor unit (AED 2, JPY 0, KWD 3)."""
    try:
        return MINOR_UNIT_EXPONENT[currency]
    except KeyError:
        raise UnknownCurrency(f"unsupported currency {currency!r}") from None


def is_supported(currency: str) -> bool:
    return currency in MINOR_UNIT_EXPONENT
