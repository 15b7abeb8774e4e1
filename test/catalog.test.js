'use strict';
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { fold, ethnicity, gender, issuingPlace, procedure, status, units, lookup } = require('../lib/catalog');

const SETS = ['pre-2025', '2025'];

describe('catalog', () => {
  describe('fold', () => {
    it('drops case, diacritics (đ too), punctuation and extra spaces', () => {
      assert.strictEqual(fold('  Thành phố  Hồ Chí Minh. '), 'thanh pho ho chi minh');
      assert.strictEqual(fold('Đắk Lắk'), 'dak lak');
      assert.strictEqual(fold("H'Mông"), 'h mong');
      assert.strictEqual(fold('Bà Rịa - Vũng Tàu'), 'ba ria vung tau');
    });
  });

  describe('ethnicity (D5)', () => {
    it('has 54 groups, each round-tripping id -> name -> id and gso -> gso', () => {
      const all = ethnicity.all();
      assert.strictEqual(all.length, 54);
      for (const e of all) {
        assert.strictEqual(ethnicity.find(e.id, 'id'), e);
        assert.strictEqual(ethnicity.find(e.gso, 'gso'), e);
        assert.strictEqual(ethnicity.find(e.name).id, e.id, e.name);
        assert.strictEqual(ethnicity.find(fold(e.name)).id, e.id, 'folded ' + e.name);
      }
    });
    it('reads a bare number in the system it is told, never guessing', () => {
      assert.strictEqual(ethnicity.find('29').name, 'Kinh'); // default: id
      assert.strictEqual(ethnicity.find(29, 'id').name, 'Kinh');
      assert.strictEqual(ethnicity.find('29', 'gso').name, 'Khơ-mú');
      assert.strictEqual(ethnicity.find('01', 'gso').name, 'Kinh');
      assert.strictEqual(ethnicity.find('1', 'gso').name, 'Kinh');
      assert.strictEqual(ethnicity.find(1, 'gso').name, 'Kinh');
      assert.strictEqual(ethnicity.find('1', 'id'), undefined);
      assert.strictEqual(ethnicity.find('55', 'gso'), undefined);
    });
    it('accepts names without diacritics and the Mông spellings', () => {
      assert.strictEqual(ethnicity.find('tay').name, 'Tày');
      assert.strictEqual(ethnicity.find('TÀY').id, '30');
      for (const s of ["H'Mông", 'Mông', 'HMông', 'hmong', 'H Mong']) assert.strictEqual(ethnicity.find(s).id, '36', s);
      assert.strictEqual(ethnicity.find('Khmer').id, '33');
      assert.strictEqual(ethnicity.find('Ba Na').id, '41');
      assert.strictEqual(ethnicity.find('Martian'), undefined);
      assert.strictEqual(ethnicity.find(null), undefined);
      assert.strictEqual(ethnicity.find({}), undefined);
    });
  });

  describe('gender (D4)', () => {
    it('round-trips both entries', () => {
      assert.deepStrictEqual(gender.all().map((g) => g.id), ['1034', '1035']);
      for (const g of gender.all()) {
        assert.strictEqual(gender.find(g.id), g);
        assert.strictEqual(gender.find(g.name), g);
      }
    });
    it('accepts the D4 codings and nothing else', () => {
      for (const s of ['Nam', 'nam', '1', 1, 'M', 'm', 'male', 'Male', 1034, '1034']) assert.strictEqual(gender.find(s).id, '1034', String(s));
      for (const s of ['Nữ', 'nu', 'NU', '2', 2, 'F', 'female', 1035, '1035']) assert.strictEqual(gender.find(s).id, '1035', String(s));
      for (const s of ['NA', '', '3', 0, null, undefined, 'x', 1.5]) assert.strictEqual(gender.find(s), undefined, String(s));
    });
  });

  describe('issuing place (D12)', () => {
    it('has 62 places without id 1246, each round-tripping', () => {
      const all = issuingPlace.all();
      assert.strictEqual(all.length, 62);
      assert.ok(!all.some((p) => p.id === '1246'));
      for (const p of all) {
        assert.strictEqual(issuingPlace.find(p.id), p);
        assert.strictEqual(issuingPlace.find(p.name), p, p.name);
        assert.strictEqual(issuingPlace.missing(p.name), undefined);
      }
    });
    it('accepts province names with or without prefixes', () => {
      const cases = {
        'Hà Nội': '1195', 'TP Hà Nội': '1195', 'Thành phố Hà Nội': '1195', 'ha noi': '1195',
        'Công an tỉnh Thanh Hóa': '1219', 'Thanh Hoá': '1219', 'CA TP HCM': '1237', 'Công an TP. Hồ Chí Minh': '1237',
        'Bà Rịa - Vũng Tàu': '1238', 'Đắk Lắk': '1234', 'Huế': '1224',
      };
      for (const [name, id] of Object.entries(cases)) assert.strictEqual(issuingPlace.find(name)?.id, id, name);
    });
    it('accepts both police departments, abbreviated or written out', () => {
      for (const s of ['Cục Cảnh sát QLHC về TTXH', 'Cục Cảnh sát quản lý hành chính về trật tự xã hội', 'cuc canh sat qlhc ve trat tu xa hoi', 'Cục CS QLHC về TTXH']) {
        assert.strictEqual(issuingPlace.find(s)?.id, '1047', s);
      }
      for (const s of ['Cục Cảnh sát ĐKQL cư trú và DLQG về dân cư', 'Cục Cảnh sát đăng ký quản lý cư trú và dữ liệu quốc gia về dân cư']) {
        assert.strictEqual(issuingPlace.find(s)?.id, '1048', s);
      }
    });
    it('names the provinces the seed lost instead of guessing an id', () => {
      assert.strictEqual(issuingPlace.find('Cao Bằng'), undefined);
      assert.strictEqual(issuingPlace.missing('Cao Bằng'), 'Tỉnh Cao Bằng');
      assert.strictEqual(issuingPlace.missing('Công an tỉnh Ninh Thuận'), 'Tỉnh Ninh Thuận');
      assert.strictEqual(issuingPlace.missing('ca mau'), 'Tỉnh Cà Mau');
      assert.strictEqual(issuingPlace.missing('Hà Nội'), undefined); // has an id
      assert.strictEqual(issuingPlace.missing('Atlantis'), undefined); // not a province
      assert.strictEqual(issuingPlace.find('1246'), undefined);
      assert.strictEqual(issuingPlace.find('Atlantis'), undefined);
    });
  });

  describe('procedure (D6)', () => {
    it('has 11 procedures, each found by both codes and its name', () => {
      const all = procedure.all();
      assert.strictEqual(all.length, 11);
      for (const p of all) {
        assert.strictEqual(procedure.find(p.code), p);
        assert.strictEqual(procedure.find(p.seedCode), p);
        assert.strictEqual(procedure.find(p.name), p);
        assert.match(p.code, /^\d\.\d{6}$/);
      }
    });
    it('finds the seed and the national spelling alike, and sends the national one', () => {
      for (const [seed, national] of [['2.0000286', '2.000286'], ['2.0000282', '2.000282'], ['2.0000477', '2.000477']]) {
        assert.strictEqual(procedure.find(seed), procedure.find(national));
        assert.strictEqual(procedure.find(seed).code, national);
        assert.strictEqual(procedure.find(seed).seedCode, seed);
      }
      assert.strictEqual(procedure.find('9.999999'), undefined);
    });
    it('fixes the seed typo "thõi hưởng" and still finds the name as the seed wrote it', () => {
      const p = procedure.find('1.001776');
      assert.ok(p.name.includes('thôi hưởng') && !p.name.includes('thõi'));
      assert.strictEqual(procedure.find(p.name.replace('thôi', 'thõi')), p);
    });
  });

  describe('administrative units (D13)', () => {
    it('holds the official counts of both sets', () => {
      assert.strictEqual(units.all('province', 'pre-2025').length, 63);
      assert.strictEqual(units.all('district', 'pre-2025').length, 696);
      assert.strictEqual(units.all('commune', 'pre-2025').length, 10051);
      assert.strictEqual(units.all('province', '2025').length, 34);
      assert.strictEqual(units.all('district', '2025').length, 0);
      assert.strictEqual(units.all('commune', '2025').length, 3321);
    });

    for (const set of SETS) {
      it(`every ${set} unit round-trips code -> name -> code within its parent`, () => {
        for (const level of ['province', 'district', 'commune']) {
          for (const u of units.all(level, set)) {
            const byCode = level === 'province' ? units.province(u.code, set) : level === 'district' ? units.district(u.code) : units.commune(u.code, set);
            assert.strictEqual(byCode, u);
            const within = level === 'commune' && set === 'pre-2025' ? { district: u.district } : level === 'province' ? undefined : { province: u.province };
            const found = units.search(level, u.name, set, within);
            assert.ok(found.includes(u), `${set} ${level} ${u.code} ${u.name} not found by name`);
          }
        }
      });
    }

    it('keeps codes as zero-padded strings and pads numbers', () => {
      assert.strictEqual(units.province(1, 'pre-2025').code, '01');
      assert.strictEqual(units.province('1', '2025').code, '01');
      assert.strictEqual(units.district(1).code, '001');
      assert.strictEqual(units.commune(1, 'pre-2025').name, 'Phường Phúc Xá');
      assert.strictEqual(units.commune('00001', 'pre-2025').code, '00001');
      for (const bad of ['', 'abc', '001', -1, 1.5, null, undefined, {}]) assert.strictEqual(units.province(bad, 'pre-2025'), undefined, String(bad));
      assert.strictEqual(units.commune('000001', 'pre-2025'), undefined);
    });

    it('keeps the two meanings of province 82 apart', () => {
      assert.strictEqual(units.province('82', 'pre-2025').name, 'Tỉnh Tiền Giang');
      assert.strictEqual(units.province('82', '2025').name, 'Tỉnh Đồng Tháp');
      assert.strictEqual(units.provinceToNew('82').name, 'Tỉnh Đồng Tháp');
      assert.strictEqual(units.provinceToNew('87').code, '82'); // old Đồng Tháp
      assert.strictEqual(units.provinceToNew('89').code, '91'); // An Giang
      assert.strictEqual(units.provinceToNew('99'), undefined);
    });

    it('ships Xã Ia Mơ (Gia Lai) as 23737 in 2025', () => {
      const u = units.commune('23737', '2025');
      assert.strictEqual(u.name, 'Xã Ia Mơ');
      assert.strictEqual(units.province(u.province, '2025').name, 'Tỉnh Gia Lai');
      assert.strictEqual(units.commune('23938', '2025'), undefined);
      assert.ok(units.search('commune', 'Ia Mơ', '2025').some((x) => x.code === '23737'));
    });

    it('knows the 5 island districts that have no commune, and the special zones they became', () => {
      for (const code of ['318', '471', '498', '536', '755']) {
        const d = units.district(code);
        assert.ok(d, code);
        assert.strictEqual(units.all('commune', 'pre-2025').filter((c) => c.district === code).length, 0);
      }
      const conDao = units.search('commune', 'Đặc khu Côn Đảo', '2025')[0];
      assert.strictEqual(units.oldDistrictOf(conDao.code), '755');
    });

    it('converts old communes to new ones, returning every part of a split', () => {
      // The mapping's old codes: the pre-2025 list plus 10 codes of early-2025 renumbering (DATA-NOTES.md).
      const mapping = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'data', 'catalog', 'mapping.json'), 'utf8'));
      let splits = 0;
      for (const [old, to] of Object.entries(mapping.communes)) {
        const expected = [].concat(to);
        if (expected.length > 1) splits++;
        assert.deepStrictEqual(units.toNew(old).map((u) => u.code), expected, old);
      }
      assert.ok(splits >= 460, 'splits: ' + splits);
      let known = 0;
      for (const old of units.all('commune', 'pre-2025')) {
        const to = units.toNew(old.code);
        if (to.length) known++;
        for (const n of to) {
          assert.strictEqual(n.set, '2025');
          assert.strictEqual(n.province, units.provinceToNew(old.province).code, `${old.code} -> ${n.code}`);
        }
      }
      assert.ok(known >= 10036, 'pre-2025 communes with a conversion: ' + known);
      assert.deepStrictEqual(units.toNew('00007').map((u) => u.code), ['00008', '00025']); // Cống Vị
      assert.deepStrictEqual(units.toNew(1).map((u) => u.name), ['Phường Hồng Hà']);
      assert.deepStrictEqual(units.toNew('99999'), []);
      // The mapping's cross-province pair is dropped; Nghị quyết 1654/NQ-UBTVQH15 Điều 1 khoản 31 names the successor (DATA-NOTES.md).
      assert.deepStrictEqual(units.toNew('30622').map((u) => [u.code, u.name]), [['30604', 'Xã Vĩnh An']]);
    });

    it('tells the single old district of a new commune, and only when single', () => {
      assert.strictEqual(units.oldDistrictOf('00004'), undefined); // Phường Ba Đình took wards of Ba Đình and Hoàn Kiếm
      let none = 0;
      for (const n of units.all('commune', '2025')) {
        const d = units.oldDistrictOf(n.code);
        if (d === undefined) { none++; continue; }
        assert.strictEqual(units.provinceToNew(units.district(d).province).code, n.province, n.code);
      }
      assert.ok(none > 0 && none < 3321);
      assert.strictEqual(units.oldDistrictOf('99999'), undefined);
    });

    it('checks that a commune belongs to its district and province', () => {
      assert.strictEqual(units.belongs('00001', '001', '01', 'pre-2025'), true);
      assert.strictEqual(units.belongs(1, 1, 1, 'pre-2025'), true);
      assert.strictEqual(units.belongs('00001', undefined, '01', 'pre-2025'), true);
      assert.strictEqual(units.belongs('00001', '002', '01', 'pre-2025'), false);
      assert.strictEqual(units.belongs('00001', '001', '02', 'pre-2025'), false);
      assert.strictEqual(units.belongs('23737', undefined, '52', '2025'), true);
      assert.strictEqual(units.belongs('23737', undefined, '64', '2025'), false); // old Gia Lai code
      assert.strictEqual(units.belongs('99999', undefined, '52', '2025'), false);
    });

    it('searches names whatever the prefix, abbreviation, case or diacritics', () => {
      const first = (level, name, set, within) => units.search(level, name, set, within)[0]?.code;
      assert.strictEqual(first('province', 'TP HCM', '2025'), '79');
      assert.strictEqual(first('province', 'HCM', 'pre-2025'), '79');
      assert.strictEqual(first('province', 'Sài Gòn', '2025'), '79');
      assert.strictEqual(first('province', 'TP. Hồ Chí Minh', '2025'), '79');
      assert.strictEqual(first('province', 'tinh thanh hoa', 'pre-2025'), '38');
      assert.strictEqual(first('province', 'Thành phố Hà Nội', '2025'), '01');
      assert.strictEqual(first('province', 'Công an tỉnh Nghệ An', 'pre-2025'), '40');
      assert.strictEqual(first('province', 'Cao Bằng', '2025'), '04');
      assert.strictEqual(first('district', 'Q. Ba Đình', 'pre-2025'), '001');
      assert.strictEqual(first('district', 'quan ba dinh', 'pre-2025'), '001');
      assert.strictEqual(first('district', 'Q.1', 'pre-2025', { province: '79' }), '760');
      assert.strictEqual(first('district', 'Quận 1', 'pre-2025', { province: '79' }), '760');
      assert.strictEqual(first('district', 'H. Ba Vì', 'pre-2025'), '271');
      assert.strictEqual(first('district', 'TX Sơn Tây', 'pre-2025'), '269');
      assert.strictEqual(first('commune', 'P. Phúc Xá', 'pre-2025'), '00001');
      assert.strictEqual(first('commune', 'phuong phuc xa', 'pre-2025'), '00001');
      assert.strictEqual(first('commune', 'X. Ia Mơ', '2025'), '23737');
      assert.strictEqual(first('commune', 'Đặc khu Côn Đảo', '2025'), units.search('commune', 'Côn Đảo', '2025')[0].code);
      assert.strictEqual(first('commune', 'TT Phù Yên', 'pre-2025'), '03898');
      assert.deepStrictEqual(units.search('commune', 'no such place anywhere', 'pre-2025'), []);
      assert.deepStrictEqual(units.search('commune', 'Xã', 'pre-2025'), []);
      assert.deepStrictEqual(units.search('district', 'Ba Đình', '2025'), []);
    });

    it('ranks exact names first and narrows with within', () => {
      const r = units.search('commune', 'Tân Phú', 'pre-2025');
      assert.ok(r.length > 5);
      const exact = r.findIndex((u) => fold(u.name).endsWith(' tan phu') === false);
      assert.ok(r.slice(0, exact).every((u) => fold(u.name).endsWith('tan phu')));
      assert.ok(r.slice(exact).every((u) => fold(u.name) !== 'xa tan phu'));
      const dongNai = units.search('commune', 'Tân Phú', 'pre-2025', { province: '75' });
      assert.ok(dongNai.length >= 1 && dongNai.every((u) => u.province === '75'));
      assert.deepStrictEqual(units.search('commune', 'Phúc Xá', 'pre-2025', { district: '002' }), []);
      assert.strictEqual(units.search('commune', 'Phúc X', 'pre-2025')[0].code, '00001'); // prefix
      assert.ok(units.search('province', 'Vũng Tàu', 'pre-2025').some((u) => u.code === '77')); // contains
    });
  });

  describe('lookup', () => {
    it('answers a code in every catalogue', () => {
      assert.strictEqual(lookup({ catalog: 'ethnicity', code: '01', ethnicityCode: 'gso' }).match.id, '29');
      assert.strictEqual(lookup({ catalog: 'ethnicity', code: '29' }).match.name, 'Kinh');
      assert.strictEqual(lookup({ catalog: 'gender', code: 2 }).match.id, '1035');
      assert.strictEqual(lookup({ catalog: 'issuingPlace', name: 'CA TP HCM' }).match.id, '1237');
      assert.strictEqual(lookup({ catalog: 'procedure', code: '2.0000286' }).match.code, '2.000286');
      const p = lookup({ catalog: 'province', code: 82, codeSet: '2025' });
      assert.deepStrictEqual([p.match.name, p.codeSet, p.reason], ['Tỉnh Đồng Tháp', '2025', undefined]);
      assert.strictEqual(lookup({ catalog: 'district', code: '1' }).match.name, 'Quận Ba Đình');
    });
    it('converts old codes to 2025: the match when 1:1, the candidates when split', () => {
      const one = lookup({ catalog: 'commune', code: '00001', convert: '2025' });
      assert.deepStrictEqual([one.match.code, one.codeSet], ['00097', '2025']);
      const split = lookup({ catalog: 'commune', code: '00007', convert: '2025' });
      assert.strictEqual(split.reason, 'split');
      assert.strictEqual(split.match, undefined);
      assert.deepStrictEqual(split.candidates.map((u) => u.code), ['00008', '00025']);
      assert.strictEqual(lookup({ catalog: 'province', code: '82', convert: '2025' }).match.code, '82');
      assert.strictEqual(lookup({ catalog: 'province', code: '82', convert: '2025' }).match.name, 'Tỉnh Đồng Tháp');
      assert.strictEqual(lookup({ catalog: 'province', code: '87', convert: '2025' }).match.name, 'Tỉnh Đồng Tháp');
      assert.strictEqual(lookup({ catalog: 'commune', name: 'Phường Phúc Xá', convert: '2025' }).match.code, '00097');
    });
    it('says notFound with no candidates, ambiguous with them, badRequest for nonsense', () => {
      assert.deepStrictEqual(lookup({ catalog: 'commune', code: '99999' }), { catalog: 'commune', reason: 'notFound', candidates: [], codeSet: 'pre-2025' });
      assert.deepStrictEqual(lookup({ catalog: 'gender', name: 'NA' }), { catalog: 'gender', reason: 'notFound', candidates: [] });
      const amb = lookup({ catalog: 'commune', name: 'Xã Tân Phú' });
      assert.strictEqual(amb.reason, 'ambiguous');
      assert.ok(amb.candidates.length > 1 && amb.candidates.every((u) => u.name === 'Xã Tân Phú'));
      const narrowed = lookup({ catalog: 'district', name: 'Quận 1', within: { province: '79' } });
      assert.strictEqual(narrowed.match.code, '760');
      assert.strictEqual(lookup({ catalog: 'nope', code: 1 }).reason, 'badRequest');
      assert.strictEqual(lookup({ catalog: 'commune' }).reason, 'badRequest');
      assert.strictEqual(lookup({ catalog: 'district', code: '001', codeSet: '2025' }).reason, 'badRequest');
      assert.strictEqual(lookup({ catalog: 'district', code: '001', convert: '2025' }).reason, 'badRequest');
      assert.strictEqual(lookup({ catalog: 'commune', code: '1', codeSet: '2026' }).reason, 'badRequest');
      assert.strictEqual(lookup({ catalog: 'ethnicity', code: '1', ethnicityCode: 'x' }).reason, 'badRequest');
    });
  });

  describe('messages in the locale files', () => {
    it('has en and vi for every reason lookup gives', () => {
      const messages = (lang) => JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'nodes', 'locales', lang, 'btxh-auth.json'), 'utf8'))['btxh-auth'].errors;
      const [en, vi] = [messages('en-US'), messages('vi')];
      for (const code of ['catalogNotFound', 'catalogAmbiguous', 'catalogSplit', 'catalogBadRequest', 'issuingPlaceMissing']) {
        assert.ok(en[code] && vi[code], code);
        assert.notStrictEqual(en[code], vi[code]);
      }
    });
  });
});

describe('look-ups never guess: the audit over the official lists (issue 10)', function () {
  const { lookup, units } = require('../lib/catalog');
  const { pre, post } = require('../lib/catalog/data');
  // One name whatever the tone placement ("Vị Thủy" = "Vị Thuỷ") and a leading zero ("Phường 01").
  const norm = (s) => s.normalize('NFD').replace(/([ou])([\u0300\u0301\u0303\u0309\u0323])([aey])/gi, '$1$3$2').normalize('NFC').toLowerCase().replace(/\b0+(\d)/g, '$1');
  const districtProvince = new Map(pre.districts.map(([c, , p]) => [c, p]));
  const newProvince = (p) => units.provinceToNew(p)?.code;
  /** Runs the queries; a match must be `right(match)` or a unit of exactly the name asked. */
  function audit(what, queries) {
    let matches = 0;
    const wrong = [];
    for (const { req, right } of queries) {
      const a = lookup(req);
      if (!a.match) continue;
      matches++;
      if (!right(a.match) && norm(a.match.name) !== norm(req.name)) wrong.push(`${req.name} -> ${a.match.code} ${a.match.name}`);
    }
    console.log(`      ${what}: ${queries.length} names, ${matches} matches, ${wrong.length} wrong`);
    assert.deepStrictEqual(wrong.slice(0, 10), [], `${wrong.length} confident wrong answers`);
  }

  it('every pre-2025 commune name in the 2025 set within its new province: a match is its successor or a unit of that name', function () {
    audit('old communes in the 2025 set', pre.communes.map(([code, name, district]) => ({
      req: { catalog: 'commune', name, codeSet: '2025', within: { province: newProvince(districtProvince.get(district)) } },
      right: (m) => units.toNew(code).some((u) => u.code === m.code),
    })));
  });

  it('every 2025 commune name in the old set within each of its old provinces: a match is one it came from', function () {
    const olds = (np) => pre.provinces.filter(([c]) => newProvince(c) === np).map(([c]) => c);
    audit('2025 communes in the old set', post.communes.flatMap(([code, name, np]) => olds(np).map((op) => ({
      req: { catalog: 'commune', name, codeSet: 'pre-2025', within: { province: op } },
      right: (m) => units.toNew(m.code).some((u) => u.code === code),
    }))));
  });

  it('"Phường n" and "Quận n", present or not: only the unit with that number', function () {
    const queries = [];
    for (const [dcode, , p] of pre.districts) {
      if (p !== '79') continue;
      for (let n = 1; n <= 20; n++) queries.push({ req: { catalog: 'commune', name: `Phường ${n}`, within: { province: '79', district: dcode } }, right: () => false });
    }
    for (let n = 1; n <= 12; n++) queries.push({ req: { catalog: 'district', name: `Quận ${n}` }, right: () => false });
    audit('numbered wards and districts', queries);
    assert.strictEqual(lookup({ catalog: 'district', name: 'Quận 2' }).match, undefined, 'Quận 2 is not Quận 12');
  });

  it('every district and province name, with and without its prefix: the unit itself or one of that exact name', function () {
    const strip = (n) => n.replace(/^(Quận|Huyện|Thị xã|Thành phố|Tỉnh) /, '');
    audit('districts', pre.districts.flatMap(([code, name]) => [name, strip(name)].map((q) => ({ req: { catalog: 'district', name: q }, right: (m) => m.code === code }))));
    for (const [set, list] of [['pre-2025', pre.provinces], ['2025', post.provinces]]) {
      audit(`provinces (${set})`, list.flatMap(([code, name]) => [name, strip(name)].map((q) => ({ req: { catalog: 'province', name: q, codeSet: set }, right: (m) => m.code === code }))));
    }
  });

  it('the examples of the issue: candidates, never a wrong unit', function () {
    const a = (req) => lookup(req);
    assert.strictEqual(a({ catalog: 'district', name: 'Thành phố Huế' }).match, undefined);
    assert.strictEqual(a({ catalog: 'district', name: 'An Giang' }).match, undefined);
    const dienBien = a({ catalog: 'district', name: 'Thành phố Điện Biên' });
    assert.deepStrictEqual([dienBien.match, dienBien.reason, dienBien.candidates[0].code], [undefined, 'typeMismatch', '100']);
    assert.strictEqual(a({ catalog: 'district', name: 'Huyện Điện Biên' }).match.code, '100');
    const kimAn = a({ catalog: 'commune', name: 'Xã Kim An', codeSet: '2025', within: { province: '01' } });
    assert.ok(!kimAn.match || kimAn.match.name === 'Xã Kim An', JSON.stringify(kimAn).slice(0, 200));
    // Tones count when they are written: Huệ is not Huế; without them a name shared by none is still found.
    assert.strictEqual(a({ catalog: 'commune', name: 'Phường Trúc Bạch', within: { province: '01' } }).match.code, '00004');
    assert.strictEqual(a({ catalog: 'commune', name: 'phuong truc bach', within: { province: '01' } }).match.code, '00004');
    assert.strictEqual(a({ catalog: 'commune', name: 'Phường Trúc Bách', within: { province: '01' } }).match, undefined);
    // Old and new tone placement are one spelling.
    assert.strictEqual(a({ catalog: 'province', name: 'Tỉnh Hòa Bình' }).match.code, '17');
    assert.strictEqual(a({ catalog: 'commune', name: 'Phường Thuỷ Châu' }).match.name, 'Phường Thủy Châu');
  });
});

describe('the names people write (data/catalog/aliases.json) and hierarchical codes in look-ups (issue 10)', function () {
  const { lookup } = require('../lib/catalog');
  const aliases = require('../data/catalog/aliases.json');
  const id = (req) => {
    const a = lookup(req);
    return a.match ? a.match.code ?? a.match.id : a.reason;
  };
  it('former names, old orthography, spellings without spaces', function () {
    for (const [name, code] of [['Thừa Thiên Huế', '46'], ['Thừa Thiên - Huế', '46'], ['Daklak', '66'], ['Đắc Lắc', '66'], ['Tỉnh Đăk Lăk', '66'], ['Đăk Nông', '67'], ['Bắc Cạn', '06'], ['Kontum', '62']]) {
      assert.strictEqual(id({ catalog: 'province', name }), code, name);
    }
  });
  it("ethnic groups' other names in official use, and issuing places as cards write them", function () {
    assert.strictEqual(id({ catalog: 'ethnicity', name: "K'Ho" }), '44');
    assert.strictEqual(id({ catalog: 'ethnicity', name: 'Kinh (Việt)' }), '29');
    assert.strictEqual(id({ catalog: 'ethnicity', name: 'Mông' }), '36');
    assert.strictEqual(id({ catalog: 'issuingPlace', name: 'Công an tỉnh Bắc Cạn' }), '1208');
    assert.strictEqual(id({ catalog: 'issuingPlace', name: 'CA Thừa Thiên Huế' }), '1224');
    assert.strictEqual(id({ catalog: 'issuingPlace', name: 'Công an TP Huế' }), '1224');
  });
  it('every alias says where it comes from and leads to a real entry', function () {
    for (const group of ['province', 'spelling', 'ethnicity']) {
      for (const [k, a] of Object.entries(aliases[group])) assert.ok(a.to && a.source && a.source.length > 5, `${group} ${k}`);
    }
    for (const a of Object.values(aliases.ethnicity)) assert.strictEqual(lookup({ catalog: 'ethnicity', code: a.to }).match.id, a.to);
  });
  it('hierarchical codes (D18): the last part is the code, the parts before it must be its parents', function () {
    assert.strictEqual(id({ catalog: 'commune', code: '01.001.00001' }), '00001');
    assert.strictEqual(id({ catalog: 'commune', code: '001.00001' }), '00001');
    assert.strictEqual(id({ catalog: 'commune', code: '01.002.00001' }), 'notFound', 'a wrong district is no match');
    assert.strictEqual(id({ catalog: 'district', code: '01.001' }), '001');
    assert.strictEqual(id({ catalog: 'commune', code: '01.00004', codeSet: '2025' }), '00004');
    assert.strictEqual(id({ catalog: 'commune', code: '02.00004', codeSet: '2025' }), 'notFound');
  });
});

describe('old communes with no 2025 commune (issue 10)', function () {
  const { lookup, units } = require('../lib/catalog');
  const { pre } = require('../lib/catalog/data');
  it('each answers noSuccessor with why, never notFound and never a guess; the others convert', function () {
    const none = pre.communes.filter(([c]) => units.toNew(c).length === 0).map(([c]) => c);
    assert.strictEqual(none.length, 14, none.join(' '));
    for (const code of none) {
      const a = lookup({ catalog: 'commune', code, convert: '2025' });
      assert.deepStrictEqual([a.match, a.reason], [undefined, 'noSuccessor'], code);
      assert.match(a.why, /no official text/);
    }
    assert.strictEqual(lookup({ catalog: 'commune', code: '30622', convert: '2025' }).match.code, '30604');
  });

  describe('status (D23)', () => {
    it('lists the national dossier statuses 1 to 10, found by number or by name as people write it', () => {
      assert.deepStrictEqual(status.all().map((s) => s.id), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      assert.deepStrictEqual(status.all().map((s) => s.name).slice(0, 2), ['Mới đăng ký', 'Được tiếp nhận']);
      for (const [input, id] of [[10, 10], ['10', 10], [' 4 ', 4], ['Đã trả kết quả', 10], ['da tra ket qua', 10], ['ĐANG XỬ LÝ', 4], ['Không được tiếp nhận', 3],
        ['tiếp nhận', 2], ['Result returned', 10], ['rút hồ sơ', 7], ['Yêu cầu bổ sung giấy tờ', 5]]) {
        assert.strictEqual(status.find(input)?.id, id, JSON.stringify(input));
      }
      for (const input of [0, 11, 4.5, '', 'đã nhận', 'trả', null, {}]) assert.strictEqual(status.find(input), undefined, JSON.stringify(input));
      assert.strictEqual(status.byName('10'), undefined, 'byName takes names only');
      const copy = status.all();
      copy[0].name = 'x';
      assert.strictEqual(status.all()[0].name, 'Mới đăng ký', 'callers get copies');
    });
  });
});
