/**
 * The listing cursor moved to src/http/page-cursor.ts (documents and collections share it). These
 * names stay for the store compositions and the documents repository until they import it from
 * there; nothing new should import this file.
 */
export { PageCursor, type PagePosition } from '../http/page-cursor';
