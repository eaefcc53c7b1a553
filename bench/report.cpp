// udbench's output: one JSON object on stdout (bench/run.py reads it), one
// line per method on stderr.
#include <algorithm>
#include <cstdio>
#include <iostream>

#include "bench/bench.hpp"

namespace udbench {
namespace {

Json::Value array_of(const std::vector<double>& v)
{
	Json::Value a(Json::arrayValue);
	for (double x : v)
		a.append(x);
	return a;
}

const char* agreement_word(const Agreement& a)
{
	if (!a.checked)
		return "n/a";
	return a.ok ? "ok" : "MISMATCH";
}

} // namespace

Json::Value to_json(const Agreement& a)
{
	Json::Value v;
	v["checked"] = a.checked;
	if (!a.checked)
		return v;
	v["ok"] = a.ok;
	v["compared"] = a.what;
	v["compared_items"] = Json::UInt64(a.compared_items);
	v["compared_slots"] = Json::UInt64(a.compared_slots);
	v["compared_fd_lists"] = Json::UInt64(a.compared_fd_lists);
	v["mismatches"] = Json::UInt64(a.mismatches);
	v["missing"] = Json::UInt64(a.missing);
	v["extra"] = Json::UInt64(a.extra);
	if (!a.first_problem.empty())
		v["first_problem"] = a.first_problem;
	return v;
}

Json::Value to_json(const MethodResult& m)
{
	Json::Value v;
	v["method"] = m.name;
	v["status"] = m.status;
	v["samples_s"] = array_of(m.samples);
	v["runs"] = Json::UInt64(m.samples.size());
	v["cpu_samples_s"] = array_of(m.cpu_samples);
	if (!m.cpu_samples.empty())
		v["cpu_median_s"] = median(m.cpu_samples);
	if (!m.samples.empty()) {
		v["median_s"] = median(m.samples);
		v["min_s"] = *std::min_element(m.samples.begin(), m.samples.end());
		v["max_s"] = *std::max_element(m.samples.begin(), m.samples.end());
	}
	if (!m.note.empty())
		v["note"] = m.note;
	v["agreement"] = to_json(m.agreement);
	for (const auto& k : m.extra.getMemberNames())
		v[k] = m.extra[k];
	return v;
}

void report(const Bench& b, const Json::Value& head)
{
	Json::Value out = head;
	Json::Value arr(Json::arrayValue);
	for (const auto& m : b.results) {
		arr.append(to_json(m));
		std::fprintf(
			stderr,
			"  %-10s %-7s median %.4f s (cpu %.4f s) over %zu run(s), agreement %s\n",
			m.name.c_str(), m.status.c_str(), median(m.samples), median(m.cpu_samples),
			m.samples.size(), agreement_word(m.agreement));
	}
	out["methods"] = arr;
	out["loadavg_after"] = loadavg();
	Json::StreamWriterBuilder wb;
	wb["indentation"] = " ";
	std::cout << Json::writeString(wb, out) << "\n";
}

} // namespace udbench
