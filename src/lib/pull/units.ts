import { units } from '../catalog';
import type { CodeSet } from '../catalog';
import { problem, type Problem } from '../problem';
import type { PullUnits } from './puller';

/**
 * D22: the units a pull asks for, as the node's dialog has them: a province code of the
 * connection's code set, and optionally a district (before 2025 only) and a commune of it.
 * Codes are padded as the catalogue keeps them ("1" -> "01"); a code the catalogue does not
 * know is refused at deploy, never sent to BTXH to come back as an empty list.
 */
export function pullUnits(given: { MaTinh?: unknown; MaHuyen?: unknown; MaXa?: unknown }, set: CodeSet): PullUnits | Problem {
  const text = (v: unknown) => (v === undefined || v === null ? '' : String(v).trim());
  const [tinh, huyen, xa] = [text(given.MaTinh), text(given.MaHuyen), text(given.MaXa)];
  const province = units.province(tinh, set);
  if (!province) return problem('MaTinh', 'pullUnit', { value: tinh.slice(0, 20), set });
  const out: PullUnits = { MaTinh: province.code };
  if (huyen) {
    const district = set === 'pre-2025' ? units.district(huyen) : undefined;
    if (!district || district.province !== province.code) return problem('MaHuyen', 'pullUnit', { value: huyen.slice(0, 20), set });
    out.MaHuyen = district.code;
  }
  if (xa) {
    const commune = units.commune(xa, set);
    if (!commune || !units.belongs(commune.code, out.MaHuyen, province.code, set)) return problem('MaXa', 'pullUnit', { value: xa.slice(0, 20), set });
    out.MaXa = commune.code;
  }
  return out;
}
