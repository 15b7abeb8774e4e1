/**
 * Plain objects used as maps meet keys from the data: "__proto__", "constructor",
 * "toString". Looked up or assigned the ordinary way, those reach Object.prototype
 * ("constructor" finds a function, `o["__proto__"] = v` replaces o's prototype, so
 * the record inherits fields nobody sent). These two keep to own properties.
 */
export function own<T>(o: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return o !== undefined && Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
}

/** `o[key] = value` as an own data property, whatever the key. */
export function setOwn(o: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  else o[key] = value;
}
