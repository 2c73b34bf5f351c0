# Writes a C++ source that holds a text file as a string_view-returning function, so that a file
# kept as itself in the tree (an HTML page) is part of the binary. Run as a script:
#   cmake -DINPUT=page.html -DOUTPUT=page.cpp -DNAMESPACE=troupe::http -DFUNCTION=page_html -P embed_text.cmake
file(READ "${INPUT}" content HEX)
string(LENGTH "${content}" hex_length)
math(EXPR size "${hex_length} / 2")
# Bytes as a brace list: exact for any content (no raw-string delimiter to collide with, no
# string-literal length limit).
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${content}")
file(WRITE "${OUTPUT}.tmp"
"// Generated from ${INPUT} by cmake/embed_text.cmake; do not edit.\n"
"#include <string_view>\n\n"
"namespace ${NAMESPACE} {\n\n"
"namespace {\nconstexpr char bytes[${size} + 1] = {\n    ${bytes}'\\0'};\n}  // namespace\n\n"
"std::string_view ${FUNCTION}() { return {bytes, ${size}}; }\n\n"
"}  // namespace ${NAMESPACE}\n")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
