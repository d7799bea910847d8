// Display formats: Rupiah as "Rp55.000" (whole rupiah, id-ID grouping, no space), dates in Asia/Jakarta.
import { lang } from "./i18n";

const grouping = new Intl.NumberFormat("id-ID", { maximumFractionDigits: 0 });

export function rupiah(idr: number): string {
  const sign = idr < 0 ? "-" : "";
  return `${sign}Rp${grouping.format(Math.abs(Math.round(idr)))}`;
}

export function dateTime(iso: string): string {
  return new Date(iso).toLocaleString(lang.get() === "en" ? "en-GB" : "id-ID", {
    timeZone: "Asia/Jakarta",
    dateStyle: "medium",
    timeStyle: "short",
  });
}

export function percent(fraction: number): string {
  return new Intl.NumberFormat(lang.get() === "en" ? "en-GB" : "id-ID", {
    style: "percent",
    maximumFractionDigits: 0,
  }).format(fraction);
}

/** This month in Asia/Jakarta as YYYY-MM (the API's month). */
export function thisMonth(): string {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Jakarta", year: "numeric", month: "2-digit" })
    .formatToParts(new Date());
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${get("year")}-${get("month")}`;
}

export function today(): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Jakarta" }).format(new Date());
}
