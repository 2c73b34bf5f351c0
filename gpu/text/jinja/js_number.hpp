// Numbers as JavaScript writes and reads them: the reference renderer is JavaScript, so a float
// prints as Number.prototype.toString does, and strings convert as Number(), parseInt() and
// parseFloat() do.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace troupe::jinja::js {

std::string number_to_string(double v);
// Number::toString: the shortest digits that round-trip, "1e+21", "1e-7", "NaN", "Infinity".

std::string integer_to_string(int64_t v);
// An integer as the reference prints it: exact up to 2^53, beyond that as the nearest double
// (JavaScript numbers are doubles: 2 ** 60 prints 1152921504606847000).

std::string float_to_string(double v);
// How the reference prints a float value: integral ones with ".0" ("1.0", "-0.0"; from 1e21 on
// as number_to_string does), the others as number_to_string.

double string_to_number(std::string_view s);
// Number(s): trimmed decimal, Infinity, 0x/0o/0b literals, "" is 0; NaN when it is none of
// these.

std::optional<double> parse_int(std::string_view s);
// parseInt(s, 10): leading whitespace, a sign, the longest run of digits; nullopt for NaN.

std::optional<double> parse_float(std::string_view s);
// parseFloat(s): the longest prefix that is a decimal literal (or Infinity); nullopt for NaN.

}  // namespace troupe::jinja::js
