import { CreateDocumentDto } from './create-document.dto';

/** PUT: the whole document; omitted tags become no tags. */
export class ReplaceDocumentDto extends CreateDocumentDto {}
