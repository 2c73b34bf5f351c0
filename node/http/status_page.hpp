// The status page's HTML (status_page.html), embedded at build time (cmake/embed_text.cmake).
#pragma once

#include <string_view>

namespace troupe::http {

std::string_view status_page_html();

}  // namespace troupe::http
