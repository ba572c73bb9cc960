"""Analysis: categorisation, visits, workload, outcomes, the panel caseload, reviews, the
audit sample, caseload projection, forecasts, payments and the termly tables. Imports data
and rules, never presentation or apps."""
