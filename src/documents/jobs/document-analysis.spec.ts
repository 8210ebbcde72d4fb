import { analyzeDocument } from './document-analysis';

describe('analyzeDocument', () => {
  describe('word count', () => {
    it('counts the words of the body only, not those of the title', () => {
      const { wordCount } = analyzeDocument(
        'Seven words in this title right here',
        'one two three',
      );

      expect(wordCount).toBe(3);
    });

    it('counts stop words, short words and numbers, which are not keywords', () => {
      const { wordCount, keywords } = analyzeDocument('', 'it is 42 a go');

      expect(wordCount).toBe(5);
      expect(keywords).toEqual([]);
    });

    it('counts nothing in an empty body or one of punctuation and spaces only', () => {
      expect(analyzeDocument('Title', '').wordCount).toBe(0);
      expect(analyzeDocument('Title', ' \n\t -- ... !? ').wordCount).toBe(0);
    });

    it('counts a word with inner apostrophes or hyphens as one word', () => {
      const { wordCount } = analyzeDocument('', "don't well-known rock’n’roll state-of-the-art");

      expect(wordCount).toBe(4);
    });

    it('splits on a leading or trailing hyphen or apostrophe, keeping only the word', () => {
      const { wordCount, keywords } = analyzeDocument('', "-dash 'quoted' trailing-");

      expect(wordCount).toBe(3);
      expect(keywords).toEqual(['dash', 'quoted', 'trailing']);
    });
  });

  describe('keywords', () => {
    it('orders keywords by frequency, most frequent first', () => {
      const { keywords } = analyzeDocument('', 'queue worker queue outbox worker queue');

      expect(keywords).toEqual(['queue', 'worker', 'outbox']);
    });

    it('counts the words of the title and the body together', () => {
      const { keywords } = analyzeDocument('Replica', 'cache replica cache');

      // Both appear twice: the tie keeps the title's word first, where it was seen first.
      expect(keywords).toEqual(['replica', 'cache']);
    });

    it('keeps words of equal frequency in the order they were first seen', () => {
      const { keywords } = analyzeDocument('', 'zebra apple mango apple zebra mango');

      expect(keywords).toEqual(['zebra', 'apple', 'mango']);
    });

    it('excludes stop words', () => {
      const { keywords } = analyzeDocument('', 'about which their through yourselves document');

      expect(keywords).toEqual(['document']);
    });

    it('excludes words shorter than three characters', () => {
      const { keywords } = analyzeDocument('', 'ox ox ox go go db db yak');

      expect(keywords).toEqual(['yak']);
    });

    it('excludes numbers but keeps words that mix letters and digits', () => {
      const { keywords } = analyzeDocument('', '2024 2024 2024 100 http2 utf8 2024');

      expect(keywords).toEqual(['http2', 'utf8']);
    });

    it('folds case, so the same word in any case is one keyword', () => {
      const { keywords } = analyzeDocument('Postgres', 'POSTGRES postgres Redis');

      expect(keywords).toEqual(['postgres', 'redis']);
    });

    it('excludes stop words whatever their case', () => {
      const { keywords } = analyzeDocument('The', 'THE Because BECAUSE tenant');

      expect(keywords).toEqual(['tenant']);
    });

    it('returns at most `limit` keywords, the most frequent', () => {
      const body = 'alpha alpha alpha bravo bravo charlie delta';

      expect(analyzeDocument('', body, 2).keywords).toEqual(['alpha', 'bravo']);
      expect(analyzeDocument('', body, 0).keywords).toEqual([]);
    });

    it('returns ten keywords by default', () => {
      const words = Array.from({ length: 12 }, (_, i) => `word${String.fromCharCode(97 + i)}`);

      expect(analyzeDocument('', words.join(' ')).keywords).toEqual(words.slice(0, 10));
    });

    it('finds words in any script, with accents and case folded', () => {
      const { keywords, wordCount } = analyzeDocument(
        '',
        'Café CAFÉ crème Ünïcödé ΚΑΛΗΜΕΡΑ καλημερα привет Привет 東京タワー',
      );

      expect(wordCount).toBe(9);
      expect(keywords).toEqual(['café', 'καλημερα', 'привет', 'crème', 'ünïcödé', '東京タワー']);
    });

    it('keeps apostrophes and hyphens inside keywords', () => {
      const { keywords } = analyzeDocument('', "doesn't well-known doesn't rock’n’roll");

      expect(keywords).toEqual(["doesn't", 'well-known', 'rock’n’roll']);
    });
  });
});
