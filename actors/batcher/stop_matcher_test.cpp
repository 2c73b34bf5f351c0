#include "actors/batcher/stop_matcher.hpp"

#include <gtest/gtest.h>

namespace troupe {
namespace {

// Feeds `pieces` one by one; returns the streamed text and whether a stop string matched.
std::pair<std::string, bool> run(std::vector<std::string> stops, std::vector<std::string> pieces) {
  stop_matcher m(std::move(stops));
  std::string out;
  for (const auto& p : pieces) {
    auto r = m.push(p);
    out += r.text;
    if (r.matched) return {out, true};
  }
  return {out + m.flush(), false};
}

TEST(StopMatcher, NoStopsPassesEverythingThrough) {
  stop_matcher m({});
  EXPECT_EQ(m.push("abc").text, "abc");
  EXPECT_EQ(m.flush(), "");
}

TEST(StopMatcher, MatchInsideOneChunk) {
  EXPECT_EQ(run({"END"}, {"hello END world"}), std::make_pair(std::string("hello "), true));
}

TEST(StopMatcher, MatchAcrossChunksNeverStreamsPartOfTheStop) {
  stop_matcher m({"\n\nUser:"});
  EXPECT_EQ(m.push("Sure.\n").text, "Sure.");
  EXPECT_EQ(m.push("\nUs").text, "");
  auto r = m.push("er: hi");
  EXPECT_TRUE(r.matched);
  EXPECT_EQ(r.text, "");
  EXPECT_EQ(m.push("more").text, "");
}

TEST(StopMatcher, FalseStartIsReleased) {
  EXPECT_EQ(run({"STOP"}, {"ST", "O", "P?", "no"}), std::make_pair(std::string(""), true));
  EXPECT_EQ(run({"STOP"}, {"ST", "O", "Q", "x"}), std::make_pair(std::string("STOQx"), false));
  EXPECT_EQ(run({"STOP"}, {"abc", "ST"}), std::make_pair(std::string("abcST"), false));
}

TEST(StopMatcher, EarliestOfSeveralStops) {
  EXPECT_EQ(run({"xyz", "b"}, {"aaxyzb"}), std::make_pair(std::string("aa"), true));
  // "abcd" starts before "bc" in "zabcd": the earliest occurrence wins.
  EXPECT_EQ(run({"bc", "abcd"}, {"zab", "cd"}), std::make_pair(std::string("z"), true));
  EXPECT_EQ(run({"bc", "abcd"}, {"zab", "cX"}), std::make_pair(std::string("za"), true));
}

TEST(StopMatcher, MultibyteStopStrings) {
  EXPECT_EQ(run({"\xC3\xA9t\xC3\xA9"}, {"un \xC3\xA9", "t\xC3\xA9 chaud"}),
            std::make_pair(std::string("un "), true));
}

}  // namespace
}  // namespace troupe
