// Reference data every page may need (categories, districts), fetched once per page load.
import { api, must, type Schemas } from "./api/client";
import { lang } from "./i18n";

const memo = new Map<string, Promise<unknown>>();

function once<T>(key: string, load: () => Promise<T>): Promise<T> {
  let hit = memo.get(key) as Promise<T> | undefined;
  if (!hit) {
    hit = load();
    hit.catch(() => memo.delete(key));
    memo.set(key, hit);
  }
  return hit;
}

export const categories = () =>
  once("categories", () => must(api().GET("/v1/categories")).then((list) => list.items));
export const wilayah = () => once("wilayah", () => must(api().GET("/v1/wilayah")).then((list) => list.items));

export function categoryName(list: Schemas["CategoryEntry"][] | undefined, id: string): string {
  const entry = list?.find((c) => c.id === id);
  if (!entry) return id;
  return lang.get() === "en" ? entry.name_en : entry.name;
}
