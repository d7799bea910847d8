// The roster CSV checked in the browser before upload: header, NIP (18 digits, unique), name,
// department, grade (the API's golongan list), ≤ 500 rows. Each problem names its file row.

export const GRADES = ["I/a", "I/b", "I/c", "I/d", "II/a", "II/b", "II/c", "II/d", "III/a", "III/b", "III/c", "III/d", "IV/a", "IV/b", "IV/c", "IV/d", "IV/e"];
const REQUIRED = ["nip", "name", "department", "grade"] as const;
const OPTIONAL = ["email", "phone_number", "kecamatan", "kelurahan"] as const;
export const MAX_ROWS = 500;

export interface RosterRow {
  nip: string;
  name: string;
  department: string;
  grade: "I/a";
  email?: string;
  phone_number?: string;
  kecamatan?: string;
  kelurahan?: string;
}

export interface RosterCheck {
  rows: RosterRow[];
  errors: { row: number; message: string }[];
}

/** Split CSV text into records (RFC 4180 quotes, commas or semicolons). */
export function parseCsv(text: string): string[][] {
  const clean = text.replace(/^\uFEFF/, "");
  const firstLine = clean.split(/\r?\n/, 1)[0] ?? "";
  const sep = firstLine.split(";").length > firstLine.split(",").length ? ";" : ",";
  const records: string[][] = [];
  let field = "";
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < clean.length; i++) {
    const c = clean[i];
    if (quoted) {
      if (c === '"' && clean[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === sep) record.push(field), (field = "");
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && clean[i + 1] === "\n") i++;
      record.push(field);
      records.push(record);
      (record = []), (field = "");
    } else field += c;
  }
  if (field || record.length) record.push(field), records.push(record);
  return records.filter((r) => r.some((cell) => cell.trim()));
}

export function checkRoster(text: string): RosterCheck {
  const records = parseCsv(text);
  const errors: RosterCheck["errors"] = [];
  const header = (records[0] ?? []).map((h) => h.trim().toLowerCase());
  const missing = REQUIRED.filter((h) => !header.includes(h));
  if (missing.length) return { rows: [], errors: [{ row: 1, message: `missing column(s): ${missing.join(", ")}` }] };
  const body = records.slice(1);
  if (body.length > MAX_ROWS) errors.push({ row: MAX_ROWS + 2, message: `more than ${MAX_ROWS} rows` });
  const seen = new Map<string, number>();
  const rows: RosterRow[] = [];
  body.forEach((record, index) => {
    const line = index + 2;
    const get = (name: string) => (record[header.indexOf(name)] ?? "").trim();
    const nip = get("nip");
    const problems: string[] = [];
    if (!/^\d{18}$/.test(nip)) problems.push("nip: 18 digits");
    else if (seen.has(nip)) problems.push(`nip: repeats row ${seen.get(nip)}`);
    else seen.set(nip, line);
    if (!get("name")) problems.push("name: empty");
    if (!get("department")) problems.push("department: empty");
    if (!GRADES.includes(get("grade"))) problems.push(`grade: one of ${GRADES.join(" ")}`);
    const email = get("email");
    if (email && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) problems.push("email: not an address");
    const phone = get("phone_number");
    if (phone && !/^(\+62|62|0)8\d{7,12}$/.test(phone.replace(/[\s-]/g, ""))) problems.push("phone_number: 08… or +628…");
    for (const p of problems) errors.push({ row: line, message: p });
    if (!problems.length) {
      const row: Record<string, string> = { nip, name: get("name"), department: get("department"), grade: get("grade") };
      for (const o of OPTIONAL) if (header.includes(o) && get(o)) row[o] = get(o);
      rows.push(row as unknown as RosterRow);
    }
  });
  return { rows, errors };
}
