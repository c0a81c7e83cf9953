/** What `regpath report --format` writes: the HTML report, or the front alone as a figure. */
export const REPORT_FORMATS = ['html', 'svg', 'png'] as const;
