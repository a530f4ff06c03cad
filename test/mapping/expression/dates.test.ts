import { describe, expect, it } from 'vitest';
import { compileError, run } from './helpers.js';

describe('CDate', () => {
  it('returns the UTC date as M/d/yyyy h:mm:ss tt (reference examples)', () => {
    expect(run('CDate([StatusHireDate])', { StatusHireDate: '2020-03-16-07:00' })).toBe('3/16/2020 7:00:00 AM');
    expect(run('CDate("2021-06-30+08:00")')).toBe('6/29/2021 4:00:00 PM');
    expect(run('CDate("2009-06-15T01:45:30-07:00")')).toBe('6/15/2009 8:45:30 AM');
  });
  it('reads dates without an offset as UTC and accepts its own output format', () => {
    expect(run('CDate("2021-08-24")')).toBe('8/24/2021 12:00:00 AM');
    expect(run('CDate("2021-06-30 12:00:00.123Z")')).toBe('6/30/2021 12:00:00 PM');
    expect(run('CDate("8/25/2021 5:41:18 PM")')).toBe('8/25/2021 5:41:18 PM');
    expect(run('CDate("12/31/2020 12:00:00 AM")')).toBe('12/31/2020 12:00:00 AM');
  });
  it('fails the object for text that is not a valid date', () => {
    expect(() => run('CDate("not a date")')).toThrow('CDate: cannot read "not a date" as a date');
    expect(() => run('CDate("2021-02-30")')).toThrow('CDate: cannot read "2021-02-30" as a date');
    expect(() => run('CDate("2021-01-01 25:00")')).toThrow('CDate: cannot read "2021-01-01 25:00" as a date');
  });
  it('keeps null as null and converts each value of a list', () => {
    expect(run('CDate([missing])')).toBeNull();
    expect(run('CDate([v])', { v: ['2021-01-01', '2021-01-02'] })).toEqual(['1/1/2021 12:00:00 AM', '1/2/2021 12:00:00 AM']);
  });
});

describe('Now', () => {
  it('returns the scope clock as M/d/yyyy h:mm:ss tt UTC', () => {
    expect(run('Now()')).toBe('7/2/2021 3:33:38 PM');
    expect(run('Now()', {}, { now: new Date('2024-12-31T00:05:09Z') })).toBe('12/31/2024 12:05:09 AM');
  });
});

describe('DateAdd', () => {
  const hire = { StatusHireDate: '2012-03-16-07:00' };
  it('adds each interval of the reference table', () => {
    expect(run('DateAdd("d", 7, CDate([StatusHireDate]))', hire)).toBe('3/23/2012 7:00:00 AM');
    expect(run('DateAdd("d", -10, CDate([StatusHireDate]))', hire)).toBe('3/6/2012 7:00:00 AM');
    expect(run('DateAdd("ww", 2, CDate([StatusHireDate]))', hire)).toBe('3/30/2012 7:00:00 AM');
    expect(run('DateAdd("m", 10, CDate([StatusHireDate]))', hire)).toBe('1/16/2013 7:00:00 AM');
    expect(run('DateAdd("yyyy", 2, CDate([StatusHireDate]))', hire)).toBe('3/16/2014 7:00:00 AM');
  });
  it('adds hours, minutes and seconds', () => {
    expect(run('DateAdd("h", 20, CDate([StatusHireDate]))', hire)).toBe('3/17/2012 3:00:00 AM');
    expect(run('DateAdd("n", 90, CDate([StatusHireDate]))', hire)).toBe('3/16/2012 8:30:00 AM');
    expect(run('DateAdd("s", -1, CDate([StatusHireDate]))', hire)).toBe('3/16/2012 6:59:59 AM');
  });
  it('clamps to the end of shorter months like .NET AddMonths', () => {
    expect(run('DateAdd("m", 1, CDate("2021-01-31"))')).toBe('2/28/2021 12:00:00 AM');
    expect(run('DateAdd("yyyy", 1, CDate("2020-02-29"))')).toBe('2/28/2021 12:00:00 AM');
    expect(run('DateAdd("m", -13, CDate("2021-03-31"))')).toBe('2/29/2020 12:00:00 AM');
  });
  it('accepts date text directly, gives null for a null date', () => {
    expect(run('DateAdd("d", 1, "2021-01-01")')).toBe('1/2/2021 12:00:00 AM');
    expect(run('DateAdd("d", 1, [missing])')).toBeNull();
  });
  it('fails the object for a computed interval it does not know, and for results past year 9999', () => {
    expect(() => run('DateAdd([i], 1, Now())', { i: 'q' })).toThrow('DateAdd interval must be one of yyyy, m, d, ww, h, n, s; got "q"');
    expect(() => run('DateAdd("yyyy", 9000, Now())')).toThrow('DateAdd: the result is outside years 1 to 9999');
  });
});

describe('DateDiff', () => {
  it('computes every row of the reference table', () => {
    const rows: [string, string, string, number][] = [
      ['d', '2021-08-18+08:00', '2021-08-31+08:00', 13],
      ['d', '8/25/2021 5:41:18 PM', '2012-03-16-07:00', -3449],
      ['ww', '8/25/2021 5:41:18 PM', '2012-03-16-07:00', -493],
      ['m', '8/25/2021 5:41:18 PM', '2012-03-16-07:00', -113],
      ['yyyy', '8/25/2021 5:41:18 PM', '2012-03-16-07:00', -9],
      ['d', '2021-08-31+08:00', '2021-08-31+08:00', 0],
      ['h', '2021-08-24', '2021-08-25', 24],
      ['n', '2021-08-24', '2021-08-25', 1440],
      ['s', '2021-08-24', '2021-08-25', 86400],
    ];
    for (const [interval, date1, date2, expected] of rows) {
      expect(run(`DateDiff("${interval}", CDate("${date1}"), CDate("${date2}"))`), `${interval} ${date1} → ${date2}`).toBe(expected);
    }
  });
  it('counts calendar boundaries for years and months, elapsed time for days', () => {
    expect(run('DateDiff("yyyy", CDate("2020-12-31T23:59:59Z"), CDate("2021-01-01"))')).toBe(1);
    expect(run('DateDiff("m", CDate("2021-01-31"), CDate("2021-02-01"))')).toBe(1);
    expect(run('DateDiff("d", CDate("2021-01-01T12:00:00Z"), CDate("2021-01-02T11:59:59Z"))')).toBe(0);
    expect(run('DateDiff("d", CDate("2021-01-02T11:59:59Z"), CDate("2021-01-01T12:00:00Z"))')).toBe(0);
  });
  it('compares against Now() and gives null when a date is absent', () => {
    expect(run('DateDiff("d", Now(), CDate([StatusHireDate]))', { StatusHireDate: '2021-07-12T15:33:38Z' })).toBe(10);
    expect(run('DateDiff("d", Now(), CDate([StatusHireDate]))')).toBeNull();
  });
});

describe('DateFromNum', () => {
  it('converts an AD FILETIME (reference example)', () => {
    expect(run('DateFromNum(129699324000000000)')).toBe('1/1/2012 11:00:00 PM');
    expect(run('DateFromNum([lastLogonTimestamp])', { lastLogonTimestamp: '129699324000000000' })).toBe('1/1/2012 11:00:00 PM');
  });
  it('gives null for 0 and for AD "never"', () => {
    expect(run('DateFromNum(0)')).toBeNull();
    expect(run('DateFromNum([accountExpires])', { accountExpires: '9223372036854775807' })).toBeNull();
    expect(run('DateFromNum([missing])')).toBeNull();
  });
  it('fails the object for values that are not FILETIMEs', () => {
    expect(() => run('DateFromNum("soon")')).toThrow('DateFromNum: "soon" is not an AD date number');
    expect(() => run('DateFromNum(-5)')).toThrow('DateFromNum: -5 is negative');
  });
});

describe('NumFromDate', () => {
  it('converts the Workday example to an AD FILETIME', () => {
    const expression = 'NumFromDate(Join("", FormatDateTime([ContractEndDate], ,"yyyy-MM-ddzzz", "yyyy-MM-dd"), " 23:59:59-08:00"))';
    expect(run(expression, { ContractEndDate: '2020-12-31-08:00' })).toBe(132539615990000000);
  });
  it('converts the SuccessFactors example to the same FILETIME', () => {
    const expression = 'NumFromDate(Join("",FormatDateTime([endDate], ,"M/d/yyyy hh:mm:ss tt","yyyy-MM-dd")," 23:59:59-08:00"))';
    expect(run(expression, { endDate: '12/31/2020 11:59:59 PM' })).toBe(132539615990000000);
  });
  it('is the inverse of DateFromNum', () => {
    expect(run('NumFromDate("2012-01-01T23:00:00Z")')).toBe(129699324000000000);
    expect(run('NumFromDate(DateFromNum(129699324000000000))')).toBe(129699324000000000);
  });
  it('gives null for null and fails for non-dates', () => {
    expect(run('NumFromDate([missing])')).toBeNull();
    expect(() => run('NumFromDate("someday")')).toThrow('NumFromDate: cannot read "someday" as a date');
  });
});

describe('FormatDateTime', () => {
  it('reformats with .NET formats (reference example)', () => {
    expect(run('FormatDateTime([extensionAttribute1], , "yyyyMMddHHmmss.fZ", "yyyy-MM-dd")', { extensionAttribute1: '20150123105347.1Z' })).toBe(
      '2015-01-23',
    );
  });
  it('renders every specifier', () => {
    expect(
      run('FormatDateTime("2015-01-23T22:05:07.125Z", , "yyyy-MM-ddTHH:mm:ss.fffK", "dddd ddd d dd MMMM MMM M MM yy yyyy H HH h hh m mm s ss f ff fff fffffff t tt z zz zzz K g")'),
    ).toBe('Friday Fri 23 23 January Jan 1 01 15 2015 22 22 10 10 5 05 7 07 1 12 125 1250000 P PM +0 +00 +00:00 Z A.D.');
  });
  it('handles quoted literals, escapes, F trimming and standard formats', () => {
    expect(run('FormatDateTime("20150123", , "yyyyMMdd", "dd \'de\' MMMM \'de\' yyyy")')).toBe('23 de January de 2015');
    expect(run('FormatDateTime("20150123", , "yyyyMMdd", "\\\\d\\\\a\\\\y: d")')).toBe('day: 23');
    expect(run('FormatDateTime("10:53:47", , "HH:mm:ss", "HH:mm:ss.FFF")')).toBe('10:53:47');
    expect(run('FormatDateTime("10:53:47.5", , "HH:mm:ss.F", "HH:mm:ss.FFF")')).toBe('10:53:47.5');
    expect(run('FormatDateTime("2015-01-23 10:53:47", , "yyyy-MM-dd HH:mm:ss", "s")')).toBe('2015-01-23T10:53:47');
    expect(run('FormatDateTime("2015-01-23 10:53:47", , "yyyy-MM-dd HH:mm:ss", "o")')).toBe('2015-01-23T10:53:47.0000000Z');
    expect(run('FormatDateTime("2015-01-23", , "yyyy-MM-dd", "%d")')).toBe('23');
  });
  it('converts an offset in the input to UTC', () => {
    expect(run('FormatDateTime("2021-06-30+08:00", , "yyyy-MM-ddzzz", "yyyy-MM-dd HH:mm")')).toBe('2021-06-29 16:00');
    expect(run('FormatDateTime("2021-06-30T10:00:00Z", , "yyyy-MM-ddTHH:mm:ssK", "HH:mm")')).toBe('10:00');
  });
  it('reads 12-hour clocks, month names and two-digit years (window ending 2049)', () => {
    expect(run('FormatDateTime("12/31/2020 12:05:00 AM", , "M/d/yyyy hh:mm:ss tt", "yyyy-MM-ddTHH:mm:ss")')).toBe('2020-12-31T00:05:00');
    expect(run('FormatDateTime("1/2/2020 1:05:00 PM", , "M/d/yyyy h:mm:ss tt", "HH:mm")')).toBe('13:05');
    expect(run('FormatDateTime("23 Jan 2015", , "dd MMM yyyy", "yyyy-MM-dd")')).toBe('2015-01-23');
    expect(run('FormatDateTime("3 june 2015", , "d MMMM yyyy", "yyyy-MM-dd")')).toBe('2015-06-03');
    expect(run('FormatDateTime("01/02/49", , "MM/dd/yy", "yyyy-MM-dd")')).toBe('2049-01-02');
    expect(run('FormatDateTime("01/02/50", , "MM/dd/yy", "yyyy-MM-dd")')).toBe('1950-01-02');
  });
  it('allows surrounding white space by default but not with DateTimeStyles None', () => {
    expect(run('FormatDateTime("  20150123 ", , "yyyyMMdd", "yyyy-MM-dd")')).toBe('2015-01-23');
    expect(() => run('FormatDateTime(" 20150123", "None", "yyyyMMdd", "yyyy-MM-dd")')).toThrow(
      'FormatDateTime: " 20150123" does not match the input format "yyyyMMdd"',
    );
    expect(run('FormatDateTime(" 2015 01 23 ", "AllowWhiteSpaces", "yyyy MM dd", "yyyy-MM-dd")')).toBe('2015-01-23');
  });
  it('fills a missing date with today (or 0001-01-01 with NoCurrentDateDefault)', () => {
    expect(run('FormatDateTime("10:30", , "HH:mm", "yyyy-MM-dd HH:mm")')).toBe('2021-07-02 10:30');
    expect(run('FormatDateTime("10:30", "NoCurrentDateDefault", "HH:mm", "yyyy-MM-dd HH:mm")')).toBe('0001-01-01 10:30');
  });
  it('fails the object when the source does not match or is not a real date', () => {
    expect(() => run('FormatDateTime("2015/01/23", , "yyyy-MM-dd", "yyyy")')).toThrow(
      'FormatDateTime: "2015/01/23" does not match the input format "yyyy-MM-dd"',
    );
    expect(() => run('FormatDateTime("20150231", , "yyyyMMdd", "yyyy")')).toThrow('does not match the input format "yyyyMMdd"');
    expect(() => run('FormatDateTime("2015012", , "yyyyMMdd", "yyyy")')).toThrow('does not match the input format "yyyyMMdd"');
  });
  it('formats a DateTime value directly and passes null and "" through as null', () => {
    expect(run('FormatDateTime(CDate("2021-06-30+08:00"), , "yyyy", "yyyy-MM-dd")')).toBe('2021-06-29');
    expect(run('FormatDateTime([missing], , "yyyy", "yyyy")')).toBeNull();
    expect(run('FormatDateTime("", , "yyyy", "yyyy")')).toBeNull();
  });
  it('formats each value of a list and takes formats from attributes', () => {
    expect(run('FormatDateTime([v], , "yyyyMMdd", "dd.MM.yyyy")', { v: ['20150123', '20160229'] })).toEqual(['23.01.2015', '29.02.2016']);
    expect(run('FormatDateTime("2015-01-23", , [format], "dd.MM.yyyy")', { format: 'yyyy-MM-dd' })).toBe('23.01.2015');
    expect(() => run('FormatDateTime("2015", , [format], "yyyy")')).toThrow('FormatDateTime inputFormat: is empty');
  });
  it('refuses one-letter formats that are not .NET standard formats', () => {
    expect(compileError('FormatDateTime([d], , "yyyy", "q")').reason).toBe(
      'FormatDateTime outputFormat: "q" is not a .NET standard date format; write "%q" for the single custom specifier',
    );
  });
});
