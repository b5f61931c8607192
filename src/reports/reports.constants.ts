/** The job kind that builds a requested report (ReportBuildJob). */
export const REPORT_BUILD_JOB = 'report.build';
