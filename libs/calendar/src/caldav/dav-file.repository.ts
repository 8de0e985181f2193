import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, trusted, Types } from 'mongoose';
import { DavFileDoc, DavFileRecord } from './dav-file.schema';

/** Where a plain collection or file lives: its calendar and its path below the calendar. */
export interface DavFileKey {
  calendarId: string;
  path: string[];
}

export const parentOf = (path: string[]) => path.slice(0, -1).join('/');

const where = (key: DavFileKey) => ({
  calendarId: new Types.ObjectId(key.calendarId),
  parent: parentOf(key.path),
  name: key.path[key.path.length - 1],
});

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The `parent` of everything below the collection at `path`. */
const below = (path: string[]) => trusted({ $regex: `^${escapeRegex(path.join('/'))}(/|$)` });

type Fields = Pick<DavFileDoc, 'isCollection' | 'body' | 'contentType' | 'etag' | 'props'>;

/** The only code that touches dav_files; every query names the calendar. */
@Injectable()
export class DavFileRepository {
  constructor(@InjectModel(DavFileDoc.name) private readonly model: Model<DavFileDoc>) {}

  async find(key: DavFileKey): Promise<DavFileRecord | null> {
    return this.model.findOne(where(key)).lean<DavFileRecord>().exec();
  }

  /** The members of a collection, by name. */
  async membersOf(key: DavFileKey): Promise<DavFileRecord[]> {
    return this.model
      .find({ calendarId: new Types.ObjectId(key.calendarId), parent: key.path.join('/') })
      .sort({ name: 1 })
      .lean<DavFileRecord[]>()
      .exec();
  }

  /** The collections (or files) kept in all the calendars of one owner. */
  async countOfOwner(ownerId: string, isCollection: boolean): Promise<number> {
    return this.model.countDocuments({ ownerId: new Types.ObjectId(ownerId), isCollection }).exec();
  }

  /** Creates the resource; false when something is at its path already. */
  async insert(key: DavFileKey, ownerId: string, fields: Fields): Promise<boolean> {
    try {
      await this.model.create({ ...where(key), ownerId: new Types.ObjectId(ownerId), ...fields });
      return true;
    } catch (err) {
      if ((err as { code?: number }).code === 11000) return false;
      throw err;
    }
  }

  async update(key: DavFileKey, fields: Partial<Fields>): Promise<boolean> {
    const { matchedCount } = await this.model.updateOne(where(key), { $set: fields }).exec();
    return matchedCount > 0;
  }

  /** Gives a file another path (MOVE). */
  async rename(from: DavFileKey, to: DavFileKey): Promise<boolean> {
    const { parent, name } = where(to);
    const { matchedCount } = await this.model.updateOne(where(from), { $set: { parent, name } }).exec();
    return matchedCount > 0;
  }

  /** Everything below a collection, parents before their members. */
  async descendantsOf(key: DavFileKey): Promise<DavFileRecord[]> {
    const docs = await this.model
      .find({ calendarId: new Types.ObjectId(key.calendarId), parent: below(key.path) })
      .lean<DavFileRecord[]>()
      .exec();
    return docs.sort((a, b) => a.parent.length - b.parent.length);
  }

  /** Moves one resource under another collection path (a collection MOVE, member by member). */
  async setParent(id: Types.ObjectId, parent: string): Promise<void> {
    await this.model.updateOne({ _id: id }, { $set: { parent } }).exec();
  }

  /** The resource and, for a collection, everything below it. */
  async removeTree(key: DavFileKey): Promise<void> {
    const calendarId = new Types.ObjectId(key.calendarId);
    await this.model.deleteMany({ calendarId, parent: below(key.path) }).exec();
    await this.model.deleteOne(where(key)).exec();
  }
}
