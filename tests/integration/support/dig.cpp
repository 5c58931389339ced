#include "support/dig.hpp"

#include <sys/wait.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <sstream>
#include <stdexcept>

namespace tern::itest {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

bool shell_safe(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) || std::string("._-+=@*").find(static_cast<char>(c)) != std::string::npos;
  });
}

void parse_header(const std::string& line, DigResult& r) {
  // ;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 4242
  if (auto at = line.find("status: "); at != std::string::npos) {
    auto end = line.find(',', at);
    r.status = line.substr(at + 8, end - at - 8);
  }
  if (auto at = line.find("id: "); at != std::string::npos) r.id = std::stoi(line.substr(at + 4));
  r.answered = true;
}

void parse_flags(const std::string& line, DigResult& r) {
  // ;; flags: qr rd ra; QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 1
  auto end = line.find(';', 3);
  std::istringstream words(line.substr(10, end - 10));
  for (std::string f; words >> f;) r.flags.insert(f);
}

bool parse_record(const std::string& line, DigRecord& rec) {
  std::istringstream in(line);
  std::string klass;
  if (!(in >> rec.name >> rec.ttl >> klass >> rec.type)) return false;
  rec.name = lower(rec.name);
  std::getline(in, rec.data);
  auto first = rec.data.find_first_not_of(" \t");
  rec.data = first == std::string::npos ? "" : rec.data.substr(first);
  return true;
}

}  // namespace

std::vector<DigRecord> DigResult::answers(const std::string& type) const {
  std::vector<DigRecord> out;
  for (const auto& r : answer)
    if (r.type == type) out.push_back(r);
  return out;
}

DigResult dig(std::uint16_t port, const std::string& name, const std::string& type,
              const std::vector<std::string>& options, int time_s, int tries) {
  std::string command = "dig @127.0.0.1 -p " + std::to_string(port) + " +time=" + std::to_string(time_s) +
                        " +tries=" + std::to_string(tries) + " +nocookie +nottlunits";
  for (const auto& o : options) {
    if (!shell_safe(o)) throw std::invalid_argument("dig option not shell-safe: " + o);
    command += " " + o;
  }
  if (!shell_safe(name) || !shell_safe(type)) throw std::invalid_argument("dig: unsafe name/type");
  command += " -q " + name + " -t " + type + " 2>&1";
  DigResult r;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("popen dig failed");
  char buf[4096];
  while (std::fgets(buf, sizeof buf, pipe) != nullptr) r.output += buf;
  int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;

  std::istringstream lines(r.output);
  std::vector<DigRecord>* section = nullptr;
  for (std::string line; std::getline(lines, line);) {
    if (starts_with(line, ";; ->>HEADER<<-")) {
      // a retry over TCP after TC prints a second message: keep only the last one
      DigResult fresh;
      fresh.exit_code = r.exit_code;
      fresh.output = std::move(r.output);
      r = std::move(fresh);
      parse_header(line, r);
    } else if (starts_with(line, ";; flags:")) {
      parse_flags(line, r);
    } else if (starts_with(line, ";; ANSWER SECTION:")) {
      section = &r.answer;
    } else if (starts_with(line, ";; AUTHORITY SECTION:")) {
      section = &r.authority;
    } else if (starts_with(line, ";; ADDITIONAL SECTION:")) {
      section = &r.additional;
    } else if (line.empty() || line[0] == ';') {
      section = line.empty() ? nullptr : section;
    } else if (section != nullptr) {
      DigRecord rec;
      if (parse_record(line, rec)) section->push_back(rec);
    }
  }
  return r;
}

std::vector<std::string> txt_strings(const std::string& data) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (data[i] != '"') continue;
    std::string s;
    for (++i; i < data.size() && data[i] != '"'; ++i) {
      if (data[i] == '\\' && i + 1 < data.size()) ++i;
      s += data[i];
    }
    out.push_back(s);
  }
  return out;
}

}  // namespace tern::itest
